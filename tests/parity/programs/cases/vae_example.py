"""examples/vae: VAE with fc1/fc21/fc22/fc3/fc4, reparameterize with randn_like replaced by
fixed eps (mu + eps*std, std = exp(0.5*logvar)), loss_function with
F.binary_cross_entropy(recon, x.view(-1, 784), reduction='sum') and KLD
-0.5*sum(1 + logvar - mu^2 - logvar.exp()), Adam training, sampling decode; also
randn_like statistics and torch.no_grad test loss, save_image-like torch.cat/view of samples."""
import torch
from torch import nn, optim
from torch.nn import functional as F
from casekit import init_params, rand, randn

D = 64


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(D, 20)
        self.fc21 = nn.Linear(20, 4)
        self.fc22 = nn.Linear(20, 4)
        self.fc3 = nn.Linear(4, 20)
        self.fc4 = nn.Linear(20, D)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps):
        mu, logvar = self.encode(x.view(-1, D))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, D), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD, BCE, KLD


def run():
    r = {}
    model = init_params(VAE(), seed=1, scale=0.3)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    data = torch.tensor(rand(5, 1, 8, 8, seed=2))
    for step in range(3):
        eps = torch.tensor(randn(5, 4, seed=10 + step))
        optimizer.zero_grad()
        recon, mu, logvar = model(data, eps)
        loss, bce, kld = loss_function(recon, data, mu, logvar)
        loss.backward()
        optimizer.step()
        r["loss_%d" % step] = (loss.item() / len(data), bce, kld)
    model.eval()
    with torch.no_grad():
        eps = torch.tensor(randn(5, 4, seed=20))
        recon, mu, logvar = model(data, eps)
        r["test_loss"] = loss_function(recon, data, mu, logvar)[0].item()
        n = 3
        comparison = torch.cat([data[:n], recon.view(5, 1, 8, 8)[:n]])
        r["comparison"] = comparison.shape
        sample = model.decode(torch.tensor(randn(4, 4, seed=21)))
        r["sample"] = sample.view(4, 1, 8, 8)[:, 0, 0]
    torch.manual_seed(1)
    e = torch.randn_like(torch.empty(2000, 4))
    r["randn_like_stats"] = (abs(e.mean().item()) < 0.05, abs(e.std().item() - 1) < 0.05, e.dtype)
    return r
