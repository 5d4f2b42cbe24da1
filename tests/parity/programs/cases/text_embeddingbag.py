"""Text classification with EmbeddingBag: vocab via a dict, text_pipeline, collate_batch
building offsets with torch.tensor(offsets[:-1]).cumsum(dim=0) and torch.cat of variable
token lists, TextClassificationModel (EmbeddingBag sparse=False mean + Linear, init_weights via
uniform_ checked by range then overwritten), SGD + StepLR(1, gamma=0.1), clip_grad_norm_(0.1),
accuracy via argmax(1) and evaluate under no_grad, predict one text."""
import torch
from torch import nn
from torch.utils.data import DataLoader
from casekit import init_params

texts = [(1, "the cat sat on the mat"), (2, "stocks rose sharply today"), (0, "team wins the final"),
         (1, "a dog and a cat"), (2, "market falls on news"), (0, "player scores twice"),
         (3, "new chip is fast"), (3, "phone battery lasts long")]


def build_vocab():
    vocab = {"<unk>": 0}
    for _, t in texts:
        for w in t.split():
            vocab.setdefault(w, len(vocab))
    return vocab


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


def run():
    r = {}
    vocab = build_vocab()
    text_pipeline = lambda x: [vocab.get(w, 0) for w in x.split()]

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(_label)
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list, text_list, offsets

    model = TextClassificationModel(len(vocab), 8, 4)
    r["init_range"] = bool((model.embedding.weight.abs() <= 0.5).all()) and bool((model.fc.bias == 0).all())
    init_params(model, seed=3)
    dl = DataLoader(texts, batch_size=4, shuffle=False, collate_fn=collate_batch)
    first = next(iter(dl))
    r["first_batch"] = first
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    for epoch in range(2):
        model.train()
        total_acc, total_count = 0, 0
        for label, text, offsets in dl:
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
        scheduler.step()
        r["epoch_%d" % epoch] = (loss, total_acc / total_count, scheduler.get_last_lr())
    model.eval()
    with torch.no_grad():
        t = torch.tensor(text_pipeline("the cat is fast unknownword"))
        out = model(t, torch.tensor([0]))
        r["predict"] = (out, out.argmax(1).item() + 1)
    r["emb_w"] = model.embedding.weight[:3]
    return r
