"""The live engine: the audio callback, its process, the model's thread, rings, taps and devices."""
