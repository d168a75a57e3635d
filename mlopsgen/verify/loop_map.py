"""`mlopsgen verify --loop MODEL`: one model's data loop as a picture, drawn from the tree verify reads.

The loop runs in one namespace: where the model's retraining runs (its rollout patches the model there), else the
model's first environment. Each link is read by a reader below, which asks the journeys' own readers whether it
works; the readers are a list: the registry's webhook path (loop_promotion.py) is one of them.
"""

from __future__ import annotations

from collections.abc import Callable

from mlopsgen.errors import UserError
from mlopsgen.escape import mermaid_label
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import pod_endpoint
from mlopsgen.verify.loop_graph import Link, Loop, merged, mermaid
from mlopsgen.verify.loop_pipeline import pipeline_links
from mlopsgen.verify.loop_promotion import promotion_links
from mlopsgen.verify.loop_retraining import RETRAINING_READERS
from mlopsgen.verify.loop_serving import SERVING_READERS

LinkReader = Callable[[Loop], list[Link]]
LINK_READERS: tuple[LinkReader, ...] = (*SERVING_READERS, *RETRAINING_READERS, pipeline_links, promotion_links)


def loop_of(ctx: Context, name: str) -> Loop:
    """The model's loop, or an error: an unknown model (the known ones listed), a model with no loop."""
    models = {m.name: m for m in ctx.platform.models}
    model = models.get(name)
    if model is None:
        raise UserError.single(name, "no such model", hint=f"--loop takes one of: {', '.join(sorted(models))}")
    if model.payloads is None and model.monitors is None and model.retraining is None and model.promotion is None:
        with_loop = sorted(m.name for m in models.values() if m.payloads or m.monitors or m.retraining or m.promotion)
        raise UserError.single(name, f"model {name} has no loop: it logs no payloads, has no monitors, no retraining "
                                     "and no registry promotion",
                               hint="give it models[].payloads, monitors, retraining or promotion (README: Payload logging "
                                    "and monitors, The retraining loop, Promotion)"
                                    + (f"; models with a loop: {', '.join(with_loop)}" if with_loop else ""))
    env_name = model.retraining.environment if model.retraining else next(iter(model.environments))
    env = ctx.platform.environment(env_name)
    view = ctx.view(env.cluster)
    namespace = ctx.platform.team(model.team).namespace(env_name)
    serving = [p for p in ctx.pods[view.name] if p.kind == "model" and p.namespace == namespace
               and (intent := ctx.intents.of(pod_endpoint(p))) is not None and intent.model is not None
               and intent.model.name == model.name]
    return Loop(ctx, model, env, view, namespace, serving)


def links_of(loop: Loop, readers: tuple[LinkReader, ...] = LINK_READERS) -> list[Link]:
    return merged([link for read in readers for link in read(loop)])


def loop_mermaid(ctx: Context, name: str) -> str:
    loop = loop_of(ctx, name)
    drawn = mermaid(links_of(loop), len(ctx.platform.clusters) > 1)
    head, _, rest = drawn.partition("\n")
    title = f"the data loop of {loop.model.name} in {loop.namespace} (cluster {loop.view.name})"
    return f"{head}\n  %% {mermaid_label(title)}\n{rest}"
