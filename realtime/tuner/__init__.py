"""The tuner: a pitch tracker, what a tuner shows, note names, and feeds from files and the engine."""
