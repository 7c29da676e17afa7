"""The moving average of the weights: each update moves it 1 - decay of the way."""

import pytest
import torch

from livedenoise.models.config import UNetConfig
from livedenoise.models.unet import CausalUNet
from livedenoise.training.weight_average import WeightAverage


def tiny_model(seed: int) -> CausalUNet:
    torch.manual_seed(seed)
    return CausalUNet(UNetConfig(channels=(8, 8), n_rows=32, gru_hidden=16))


def test_each_update_moves_every_weight_and_statistic_toward_the_trained_model():
    start, trained = tiny_model(0), tiny_model(1)
    with torch.no_grad():  # batch norm statistics other than the initial ones
        for buffer in trained.buffers():
            buffer.add_(3 if buffer.is_floating_point() else 7)
    before = {name: value.clone() for name, value in trained.state_dict().items()}
    average = WeightAverage(start, decay=0.75)
    average.update(trained)
    average.update(trained)
    first, last = start.state_dict(), trained.state_dict()
    for name, value in average.model.state_dict().items():
        if value.is_floating_point():
            expected = 0.75**2 * first[name] + (1 - 0.75**2) * last[name]
            torch.testing.assert_close(value, expected, msg=name)
        else:
            assert torch.equal(value, last[name]), name
    # the trained model is left as it was, and the average takes no gradients
    assert all(torch.equal(value, before[name]) for name, value in trained.state_dict().items())
    assert not any(parameter.requires_grad for parameter in average.model.parameters())


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.1, 1.5])
def test_a_decay_outside_zero_to_one_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay"):
        WeightAverage(tiny_model(0), decay)
