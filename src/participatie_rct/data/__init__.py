"""Reading and validating the files a municipality exports; the only place that reads user files."""
