"""Agency insights: counters and performance (queries), profile strength, digest, program charts."""
