"""Adversarial example generation (FGSM) tutorial: LeNet-like model in eval mode, data.requires_grad
= True, F.nll_loss on log_softmax output, model.zero_grad(), data.grad.data, fgsm_attack with
sign(), clamp(0,1), denorm with mean/std tensors view(-1,1,1)... then re-classify, per-epsilon
accuracy loop with init_pred.item() checks and adversarial example capture
(squeeze().detach().cpu().numpy())."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, rand, randint


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        return F.log_softmax(self.fc1(x), dim=1)


def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    return torch.clamp(perturbed_image, 0, 1)


def denorm(batch, mean=[0.1307], std=[0.3081]):
    mean = torch.tensor(mean).to(batch.device)
    std = torch.tensor(std).to(batch.device)
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def run():
    r = {}
    model = init_params(Net(), seed=1, scale=0.3)
    model.eval()
    images = torch.tensor(rand(6, 1, 12, 12, seed=2))
    labels = torch.tensor(randint(0, 10, (6,), seed=3))
    for eps in (0.0, 0.05, 0.2):
        correct = 0
        adv = []
        for i in range(6):
            data, target = images[i:i + 1], labels[i:i + 1]
            data.requires_grad = True
            output = model(data)
            init_pred = output.max(1, keepdim=True)[1]
            loss = F.nll_loss(output, target)
            model.zero_grad()
            loss.backward()
            data_grad = data.grad.data
            data_denorm = denorm(data)
            perturbed = fgsm_attack(data_denorm, eps, data_grad)
            perturbed_normalized = (perturbed - 0.1307) / 0.3081
            output = model(perturbed_normalized)
            final_pred = output.max(1, keepdim=True)[1]
            if final_pred.item() == target.item():
                correct += 1
            if len(adv) < 2:
                adv_ex = perturbed.squeeze().detach().cpu().numpy()
                adv.append((init_pred.item(), final_pred.item(), adv_ex[:2, :2]))
        r["eps_%s" % eps] = (correct / 6, adv)
    r["grad_sign_sum"] = data_grad.sign().sum()
    return r
