"""Word embeddings tutorial: N-gram language model (Embedding, view((1, -1)), Linear, ReLU,
log_softmax(dim=1)), trigrams built from a sonnet fragment, NLLLoss, SGD(lr=0.001), total_loss
list, model.embeddings.weight[word_to_ix["beauty"]]; CBOW-style context sum with
torch.tensor(idxs, dtype=torch.long), and the embedding lookup example (lookup_tensor)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params

CONTEXT_SIZE = 2
EMBEDDING_DIM = 6
test_sentence = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held""".split()


class NGramLanguageModeler(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 16)
        self.linear2 = nn.Linear(16, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        out = self.linear2(out)
        return F.log_softmax(out, dim=1)


class CBOW(nn.Module):
    def __init__(self, vocab_size, embedding_dim):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embedding_dim)
        self.out = nn.Linear(embedding_dim, vocab_size)

    def forward(self, inputs):
        return F.log_softmax(self.out(self.emb(inputs).sum(0, keepdim=True)), dim=-1)


def run():
    r = {}
    word_to_ix = {"hello": 0, "world": 1}
    embeds = nn.Embedding(2, 5)
    init_params(embeds, seed=1)
    lookup_tensor = torch.tensor([word_to_ix["hello"]], dtype=torch.long)
    r["hello_embed"] = embeds(lookup_tensor)
    ngrams = [([test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)], test_sentence[i])
              for i in range(CONTEXT_SIZE, len(test_sentence))]
    vocab = sorted(set(test_sentence))
    word_to_ix = {word: i for i, word in enumerate(vocab)}
    losses = []
    loss_function = nn.NLLLoss()
    model = init_params(NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE), seed=2)
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(3):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    r["losses"] = losses
    r["beauty"] = model.embeddings.weight[word_to_ix["beauty's"]]
    cbow = init_params(CBOW(len(vocab), EMBEDDING_DIM), seed=3)
    opt = optim.Adam(cbow.parameters(), lr=0.01)
    data = [([test_sentence[i - 2], test_sentence[i - 1], test_sentence[i + 1], test_sentence[i + 2]],
             test_sentence[i]) for i in range(2, len(test_sentence) - 2)]
    for context, target in data[:10]:
        idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
        loss = F.nll_loss(cbow(idxs), torch.tensor([word_to_ix[target]]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    r["cbow_loss"] = loss
    r["cbow_emb"] = cbow.emb.weight[:2]
    return r
