import sys, time, json, math, torch, numpy as np
from torch import nn
from pathlib import Path
from kdquiz.lab import data as D
from kdquiz.lab.functions import load_functions
from kdquiz.lab.pipeline import Data, evaluate

def sequences(users, items, n_users, max_len):
    seq = torch.zeros(n_users, max_len, dtype=torch.long)
    users = np.asarray(users); items = np.asarray(items)
    starts = np.searchsorted(users, np.arange(n_users)); ends = np.searchsorted(users, np.arange(n_users), side="right")
    for u in range(n_users):
        its = items[starts[u]:ends[u]][-max_len:]
        if len(its): seq[u, max_len - len(its):] = torch.as_tensor(its + 1)
    return seq

class SASRec(nn.Module):
    def __init__(self, n_items, dim, blocks, heads, max_len, dropout):
        super().__init__()
        self.items = nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.pos = nn.Embedding(max_len, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4 if len(sys.argv) > 6 else dim, dropout, batch_first=True, norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim); self.drop = nn.Dropout(dropout)
        nn.init.normal_(self.items.weight, std=0.02); nn.init.normal_(self.pos.weight, std=0.02)
        with torch.no_grad(): self.items.weight[0].zero_()
        self.register_buffer("mask", torch.triu(torch.full((max_len, max_len), float("-inf")), 1))
    def hidden(self, seq):
        x = self.items(seq) + self.pos.weight
        x = self.drop(x)
        h = self.encoder(x, mask=self.mask, src_key_padding_mask=None, is_causal=True)
        return self.norm(h)
    def scores(self, seq):
        h = self.hidden(seq)[:, -1]
        return h @ self.items.weight[1:].T

if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[1])); dim = int(sys.argv[2]); blocks = int(sys.argv[3]); max_len = int(sys.argv[4]); epochs = int(sys.argv[5])
    torch.manual_seed(0)
    split = D.leave_one_out(D.load_movielens(Path("/tmp/ml-100k.inter")))
    fn = load_functions(None)
    d = Data(split, torch.device("cpu"), "valid")
    seq = sequences(split.train_users, split.train_items, split.n_users, max_len + 1)
    model = SASRec(split.n_items, dim, blocks, 1 if dim < 64 else 2, max_len, 0.2)
    print("params", sum(p.numel() for p in model.parameters()))
    import os; opt = torch.optim.Adam(model.parameters(), lr=float(os.environ.get("LR", "1e-3")))
    users = torch.arange(split.n_users)
    best = 0
    for ep in range(1, epochs + 1):
        model.train(); t = time.time()
        for batch in torch.split(users[torch.randperm(len(users))], 64):
            s = seq[batch]; inp, tgt = s[:, :-1], s[:, 1:]
            h = model.hidden(inp)
            logits = h @ model.items.weight[1:].T
            loss = nn.functional.cross_entropy(logits.reshape(-1, split.n_items), (tgt - 1).reshape(-1), ignore_index=-1)
            opt.zero_grad(); loss.backward(); opt.step()
        tt = time.time() - t
        if ep % 5 == 0:
            model.eval()
            with torch.no_grad():
                sc = model.scores(seq[d.evaluated][:, 1:])
                nd = evaluate(sc, d, fn)["NDCG@10"]
            best = max(best, nd)
            print(ep, f"loss {loss.item():.3f} valid {nd:.4f} epoch {tt:.2f}s", flush=True)
