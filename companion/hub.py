"""A JupyterHub for a class: what one learner may use, shared by every way the course runs a hub.

``make classroom`` starts a hub with these settings on one machine, and the
deployments that ``book/instructors.md`` gives for a real class (Zero to
JupyterHub on Kubernetes, The Littlest JupyterHub) set the same figures; a
test keeps them equal. Every chapter peaks below one GiB of resident memory
(``make bench``), so the guarantee lets 30 learners share a 32 GiB server,
and the limit leaves room for the notebook server beside the kernel.
"""

from __future__ import annotations

#: Memory reserved for each learner's server (a Kubernetes request), and the most it may use.
LEARNER_MEMORY_GUARANTEE = "1G"
LEARNER_MEMORY_LIMIT = "1.5G"

#: Processor time for each learner's server: reserved, and the most it may use (in CPUs).
LEARNER_CPU_GUARANTEE = 0.5
LEARNER_CPU_LIMIT = 1.0

#: A learner's server that has been idle this long (seconds) is stopped; the files stay.
CULL_IDLE_SECONDS = 3600
