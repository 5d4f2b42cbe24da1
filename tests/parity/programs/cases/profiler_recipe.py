"""PyTorch profiler recipe: profile(activities=[ProfilerActivity.CPU], record_shapes=True) around
inference with record_function("model_inference"), key_averages().table(sort_by=
"cpu_time_total", row_limit=10) as a string naming the range, export_chrome_trace to a JSON file,
a schedule(wait=1, warmup=1, active=2) training loop calling prof.step() with on_trace_ready,
and the results of the profiled computation itself (must be unaffected)."""
import json
import torch
import torch.nn as nn
from torch.profiler import profile, record_function, ProfilerActivity, schedule
from casekit import init_params, randn


def run():
    r = {}
    model = init_params(nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2)), seed=1)
    inputs = torch.tensor(randn(4, 6, seed=2))
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            out = model(inputs)
    r["out"] = out
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    r["table"] = isinstance(table, str) and "model_inference" in table
    r["keys"] = "model_inference" in [e.key for e in prof.key_averages()]
    prof.export_chrome_trace("trace.json")
    with open("trace.json") as f:
        r["trace_events"] = "traceEvents" in json.load(f)
    ready = []
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=1, warmup=1, active=2),
                 on_trace_ready=lambda p: ready.append(p.step_num)) as p:
        for step in range(5):
            with record_function("train_step"):
                loss = model(inputs).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            p.step()
            r["loss_%d" % step] = loss
    r["ready_called"] = len(ready) >= 1
    r["weights"] = model[2].weight
    return r
