#!/usr/bin/env bash
# Install or upgrade the class's hub on a Kubernetes cluster with Helm, from this folder.
# secrets.yaml holds the real client secret and is not in version control.
set -euo pipefail
helm repo add jupyterhub https://hub.jupyter.org/helm-chart/
helm repo update
helm upgrade --cleanup-on-fail --install class jupyterhub/jupyterhub \
  --namespace class --create-namespace \
  --version=4.4.0 \
  --values config.yaml --values secrets.yaml
