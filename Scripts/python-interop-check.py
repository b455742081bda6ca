#!/usr/bin/env python3
"""Checks that Python Lightning (lightning-app 2.3.2) loads the JSON checkpoints our example apps write.

Not part of the test suite (it needs lightning-app and its dependencies from PyPI). To run it:

    python3 -m venv /tmp/lapp && /tmp/lapp/bin/pip install lightning-app==2.3.2
    mkdir -p /tmp/interop && cd /tmp/interop
    swift run --package-path <repo> counter-app --checkpoint-format json
    swift run --package-path <repo> dynamic-app --storage dyn --checkpoint-format json
    swift run --package-path <repo> train-app --storage train --checkpoint-format json --checkpoint-interval 0.3 & sleep 3; kill -9 $!
    /tmp/lapp/bin/python <repo>/Scripts/python-interop-check.py

It loads the newest checkpoint of each with the pull request's algorithm (the root flow's
load_state_dict, then the stage) and with LightningApp.set_state, and prints the restored counter;
for train-app, killed while its parallel works ran, the works' epochs and their statuses as
Lightning reads them (`running`, from the calls our checkpoints record).
"""
import json, sys, glob
from lightning_app import LightningFlow, LightningWork, LightningApp
from lightning_app.structures import List
from lightning_app.utilities.enum import AppStage

class Counter(LightningWork):
    def __init__(self):
        super().__init__(cache_calls=False)
        self.counter = 0
    def run(self):
        self.counter += 1

class Root(LightningFlow):
    def __init__(self):
        super().__init__()
        self.w = Counter()
    def run(self):
        pass

class DynamicRoot(LightningFlow):
    def __init__(self):
        super().__init__()
    def run(self):
        pass
    def load_state_dict(self, flow_state, children_states, strict=True):
        self.w = Counter()
        super().load_state_dict(flow_state, children_states, strict)

def load(root, path):
    app = LightningApp(root)
    state = json.load(open(path))
    # The PR's load algorithm (STATE_FORMAT.md 8.1): root.load_state_dict first, then the stage.
    app.root.load_state_dict(state, {**state["flows"], **state["works"]}, True)
    app.stage = AppStage(state["app_state"]["stage"])
    return app

latest = sorted(glob.glob(".storage/checkpoints/*.json"))[-1]
app = load(Root(), latest)
print("counter-app checkpoint loaded by lightning-app 2.3.2: counter =", app.root.w.counter, "stage =", app.stage)
app2 = LightningApp(Root())
app2.set_state(json.load(open(latest)))
print("LightningApp.set_state too: counter =", app2.root.w.counter, "cloud compute =", app2.root.w.cloud_compute.name)
dyn = sorted(glob.glob("dyn/checkpoints/*.json"))[-1]
app3 = load(DynamicRoot(), dyn)
print("dynamic-app checkpoint loaded with load_state_dict re-creating w: counter =", app3.root.w.counter)

class Trainer(LightningWork):
    def __init__(self):
        super().__init__(parallel=True, cache_calls=True)
        self.epoch = 0
        self.weights = []
        self.loss = 0.0
    def run(self):
        pass

class TrainRoot(LightningFlow):
    def __init__(self):
        super().__init__()
        self.trainers = List(*[Trainer() for _ in range(4)])
        self.finished = 0
    def run(self):
        pass

train = sorted(glob.glob("train/checkpoints/*.json"))[-1]
app4 = LightningApp(TrainRoot())
app4.set_state(json.load(open(train)))  # the works are in a List: set_state recurses into structures
works = list(app4.root.trainers)
print("train-app checkpoint of running parallel works loaded: epochs =", [w.epoch for w in works],
      "statuses =", [w.status.stage for w in works], "weights =", len(works[0].weights))
assert all(w.status.stage == "running" for w in works) and all(w.epoch > 0 for w in works)
