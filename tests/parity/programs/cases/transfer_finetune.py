"""Transfer learning: a small 'pretrained' conv backbone, freeze with requires_grad=False,
replace the fc head (num_ftrs = fc.in_features), optimize only the head; then finetune all
with two param groups (backbone lr smaller), lr_scheduler.StepLR(step_size=1, gamma=0.1),
best-model deepcopy of state_dict, running_corrects via torch.sum(preds == labels.data)."""
import copy
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler
from casekit import init_params, randn, randint


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 1000)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.fc(torch.flatten(x, 1))


def run():
    r = {}
    model = init_params(Backbone(), seed=1, scale=0.3)
    for param in model.parameters():
        param.requires_grad = False
    num_ftrs = model.fc.in_features
    model.fc = nn.Linear(num_ftrs, 2)
    init_params(model.fc, seed=2)
    r["trainable"] = [n for n, p in model.named_parameters() if p.requires_grad]
    criterion = nn.CrossEntropyLoss()
    opt = optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    best_acc, best_wts = 0.0, copy.deepcopy(model.state_dict())
    for epoch in range(2):
        model.train()
        running_loss, running_corrects = 0.0, 0
        for i in range(2):
            x = torch.tensor(randn(4, 3, 8, 8, seed=10 * epoch + i))
            y = torch.tensor(randint(0, 2, (4,), seed=20 * epoch + i))
            opt.zero_grad()
            with torch.set_grad_enabled(True):
                out = model(x)
                _, preds = torch.max(out, 1)
                loss = criterion(out, y)
                loss.backward()
                opt.step()
            running_loss += loss.item() * x.size(0)
            running_corrects += torch.sum(preds == y.data)
        sched.step()
        epoch_acc = running_corrects.double() / 8
        r["epoch_%d" % epoch] = (running_loss / 8, epoch_acc, sched.get_last_lr())
        if epoch_acc >= best_acc:
            best_acc = epoch_acc
            best_wts = copy.deepcopy(model.state_dict())
    r["backbone_grad_none"] = model.features[0].weight.grad is None
    r["bn_running_mean"] = model.features[1].running_mean
    model.load_state_dict(best_wts)
    for p in model.parameters():
        p.requires_grad_(True)
    opt = optim.Adam([{"params": model.features.parameters(), "lr": 1e-4},
                      {"params": model.fc.parameters()}], lr=1e-2)
    x = torch.tensor(randn(4, 3, 8, 8, seed=7))
    y = torch.tensor(randint(0, 2, (4,), seed=8))
    for _ in range(2):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    r["ft_loss"] = loss
    r["ft_conv_w"] = model.features[0].weight[0, 0]
    r["groups_lr"] = [g["lr"] for g in opt.param_groups]
    model.eval()
    with torch.no_grad():
        r["eval_out"] = model(x)
    return r
