"""Batch denoising: many takes, each through ``denoise_file``, on local worker processes or a Dask cluster.

``find_takes`` turns the inputs into takes with mirrored outputs, ``denoise_take`` is the task a
worker runs, ``LocalPool`` and ``DaskPool`` run it, ``run_batch`` drives a pool with one progress
bar and the resume manifest.
"""
