"""Neural style transfer tutorial: ContentLoss / StyleLoss modules that store detached targets
and compute mse_loss in forward (returning input), gram_matrix via view + mm + div, Normalization
module with view(-1,1,1) mean/std, model rebuilt by iterating children and inserting loss layers,
requires_grad_(False) on the model, optimizer LBFGS([input_img]) with a closure that
clamps input_img.data in place under no_grad, loss weighting, final clamp_."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, rand


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        self.loss = F.mse_loss(gram_matrix(input), self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


def run():
    r = {}
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU())
    init_params(cnn, seed=1, scale=0.4)
    cnn.eval()
    style_img = torch.tensor(rand(1, 3, 8, 8, seed=2))
    content_img = torch.tensor(rand(1, 3, 8, 8, seed=3))
    norm = Normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    content_losses, style_losses = [], []
    model = nn.Sequential(norm)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = 'conv_{}'.format(i)
        elif isinstance(layer, nn.ReLU):
            name = 'relu_{}'.format(i)
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = 'pool_{}'.format(i)
        model.add_module(name, layer)
        if name == 'conv_2':
            target = model(content_img).detach()
            cl = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), cl)
            content_losses.append(cl)
        if name in ('conv_1', 'conv_2', 'conv_3'):
            target_feature = model(style_img).detach()
            sl = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), sl)
            style_losses.append(sl)
    r["model_names"] = [n for n, _ in model.named_children()]
    model.eval()
    model.requires_grad_(False)
    input_img = content_img.clone()
    input_img.requires_grad_(True)
    optimizer = optim.LBFGS([input_img])
    run_ = [0]
    scores = []
    while run_[0] <= 8:
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = sum(sl.loss for sl in style_losses) * 1000.0
            content_score = sum(cl.loss for cl in content_losses) * 1.0
            loss = style_score + content_score
            loss.backward()
            run_[0] += 1
            scores.append((style_score.item(), content_score.item()))
            return style_score + content_score
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    r["scores_first"] = scores[:3]
    r["n_evals"] = run_[0]
    r["out_img"] = input_img
    r["gram"] = gram_matrix(style_img)
    r["requires_grad_model"] = any(p.requires_grad for p in model.parameters())
    return r
