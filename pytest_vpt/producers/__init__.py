"""Producers of events other than a pytest run: the device monitor (monitor.py) and the
stream watcher (watcher.py). Each writes through a sink, like the recorder does."""
