import json
import subprocess
import sys


def run_bench(*flags):
    return subprocess.run(
        [sys.executable, "-m", "livedenoise.realtime.cli.main", "bench", "stft", *flags], capture_output=True, text=True
    )


def test_stft_bench_prints_and_writes_each_kernel_called_both_ways(tmp_path):
    out = tmp_path / "stft.json"
    result = run_bench(
        "--n-fft", "256", "--hop", "64", "--channels", "2", "--calls", "10", "--sleep-ms", "0.1", "--json", str(out)
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    assert (figures["n_fft"], figures["hop_samples"], figures["n_channels"]) == (256, 64, 2)
    assert set(figures["dispatch"]) == {"python"}
    for kernel in ("analyze_frame", "synthesize_frame"):
        assert set(figures[kernel]) == {"compiled", "python"}
        for way, row in figures[kernel].items():
            assert 0 < row["warm_p50_us"] and 0 < row["cold_p50_us"] <= row["cold_p90_us"]
            assert f"{kernel:<17} {way:<9} {row['warm_p50_us']:9.2f}" in result.stdout


def test_a_geometry_the_stft_refuses_is_one_line_naming_the_flags():
    result = run_bench("--n-fft", "1024", "--hop", "100")
    assert result.returncode == 2
    assert "--n-fft/--hop" in result.stderr and "Traceback" not in result.stderr
