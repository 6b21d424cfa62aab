#!/usr/bin/env bash
# Install The Littlest JupyterHub 2.0.0 for a class on a fresh Ubuntu server, run as root from
# this folder. The configuration goes in first: TLJH's installer keeps an existing one, so the
# hub starts with the real login and HTTPS, never with TLJH's default first-use login.
# The learners' environment gets the course's runtime environment (the course package,
# TensorFlow, JupyterLab) on top of TLJH's own (JupyterHub 5, JupyterLab, nbgitpuller).
set -euo pipefail
install -d -m 700 /opt/tljh/config
install -m 600 config.yaml /opt/tljh/config/config.yaml
curl --fail --location https://tljh.jupyter.org/bootstrap.py \
  | python3 - --version 2.0.0 \
      --user-requirements-txt-url https://raw.githubusercontent.com/dl-in-medicine/deep-learning-in-medicine/main/binder/requirements.txt
