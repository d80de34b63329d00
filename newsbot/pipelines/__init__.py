"""Item pipelines, one job each: clean -> deduplicate -> store."""
