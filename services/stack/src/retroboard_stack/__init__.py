"""RetroBoard on one machine: ``retroboard up`` and ``retroboard monitor``."""

from retroboard_stack.broker import EmbeddedBroker
from retroboard_stack.monitor import Monitor, run_monitor
from retroboard_stack.supervisor import Outcome, Supervisor
from retroboard_stack.up import UpSettings, run_up

__all__ = [
    "EmbeddedBroker",
    "Monitor",
    "Outcome",
    "Supervisor",
    "UpSettings",
    "run_monitor",
    "run_up",
]
