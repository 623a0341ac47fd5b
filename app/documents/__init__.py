"""Documents and jobs: print requests, the page listing each user's jobs, and the document jobs."""
