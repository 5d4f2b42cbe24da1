"""Object-detection utilities written in plain torch: anchor grid via meshgrid(indexing='xy'),
box conversions, pairwise IoU via broadcasting max/min/clamp, greedy NMS (argsort + loop),
box encoding/decoding with log/exp, sigmoid focal loss by hand, smooth L1 on matched boxes,
gradients wrt predicted offsets."""
import torch
import torch.nn.functional as F
from casekit import rand, randn

RTOL = 1e-4
ATOL = 1e-5


def iou(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def nms(boxes, scores, thr):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(int(i))
        if order.numel() == 1:
            break
        ov = iou(boxes[i].unsqueeze(0), boxes[order[1:]])[0]
        order = order[1:][ov <= thr]
    return torch.tensor(keep)


def run():
    r = {}
    ys, xs = torch.meshgrid(torch.arange(3.0), torch.arange(4.0), indexing="ij")
    gx, gy = torch.meshgrid(torch.arange(4.0), torch.arange(3.0), indexing="xy")
    r["meshgrid_xy_eq"] = torch.equal(gx, xs) and torch.equal(gy, ys)
    ctr = torch.stack([xs, ys], -1).reshape(-1, 2) * 8 + 4
    anchors = torch.cat([ctr - 6, ctr + 6], dim=1)
    r["anchors"] = anchors[:5]
    gt_boxes = torch.tensor([[2.0, 2.0, 14.0, 12.0], [15.0, 6.0, 30.0, 22.0]])
    ious = iou(anchors, gt_boxes)
    r["iou"] = ious
    best_iou, best_gt = ious.max(dim=1)
    pos = best_iou > 0.3
    r["pos"] = pos
    matched = gt_boxes[best_gt[pos]]
    a = anchors[pos]
    wa, ha = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    wg, hg = matched[:, 2] - matched[:, 0], matched[:, 3] - matched[:, 1]
    target = torch.stack([((matched[:, 0] + wg / 2) - (a[:, 0] + wa / 2)) / wa,
                          ((matched[:, 1] + hg / 2) - (a[:, 1] + ha / 2)) / ha,
                          torch.log(wg / wa), torch.log(hg / ha)], dim=1)
    r["target"] = target
    pred = torch.tensor(randn(int(pos.sum()), 4, seed=1) * 0.1, requires_grad=True)
    reg = F.smooth_l1_loss(pred, target, beta=1 / 9, reduction="sum") / max(1, int(pos.sum()))
    logits = torch.tensor(randn(anchors.shape[0], seed=2), requires_grad=True)
    p = logits.sigmoid()
    ce = F.binary_cross_entropy_with_logits(logits, pos.float(), reduction="none")
    pt = torch.where(pos, p, 1 - p)
    focal = (0.25 * (1 - pt) ** 2 * ce).sum()
    (reg + focal).backward()
    r["reg"], r["focal"] = reg, focal
    r["g_pred"], r["g_logits"] = pred.grad, logits.grad
    boxes = torch.tensor(rand(8, 2, seed=3) * 20)
    boxes = torch.cat([boxes, boxes + torch.tensor(rand(8, 2, seed=4) * 10 + 2)], 1)
    r["nms"] = nms(boxes, torch.tensor(rand(8, seed=5)), 0.3)
    dec = torch.cat([a[:, :2] + pred.detach()[:, :2] * torch.stack([wa, ha], 1),
                     torch.exp(pred.detach()[:, 2:]) * torch.stack([wa, ha], 1)], 1)
    r["decoded"] = dec
    return r
