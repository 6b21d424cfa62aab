"""The deployments for a real class (classroom/): they parse, use the keys their software reads,
give every learner what companion.hub says, and are safe (a real login, HTTPS, one admin).

Neither deployment can run here (no cluster, no fresh server), so they are validated instead:

- Zero to JupyterHub: ``config.yaml`` against the values schema of the chart it targets
  (``values.schema.json``, the chart's own schema with its descriptions removed);
- The Littlest JupyterHub: ``config.yaml`` against the keys that TLJH's configurer reads;
- the learners' image: its Dockerfile, read instruction by instruction.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

import companion
from companion import hub

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "classroom"
Z2JH = CLASSROOM / "zero-to-jupyterhub"
TLJH = CLASSROOM / "littlest-jupyterhub"

#: The JupyterHub version that runs in the hub of each Zero to JupyterHub chart this folder has
#: targeted (the chart's Chart.yaml, appVersion). The learners' servers must run the same major version.
CHART_HUB_VERSION = {"4.4.0": "5.5.0"}

#: The keys that The Littlest JupyterHub 2.0.0 reads from its config.yaml (tljh/configurer.py,
#: its defaults), as dotted paths. Below ``auth.<Class>`` any trait of that class may be set.
TLJH_KEYS = {
    "base_url",
    "auth.type",
    "users.allowed",
    "users.banned",
    "users.admin",
    "users.extra_user_groups",
    "limits.memory",
    "limits.cpu",
    "http.address",
    "http.port",
    "https.enabled",
    "https.address",
    "https.port",
    "https.tls.cert",
    "https.tls.key",
    "https.letsencrypt.email",
    "https.letsencrypt.domains",
    "https.letsencrypt.staging",
    "user_environment.default_app",
    "services.cull.enabled",
    "services.cull.timeout",
    "services.cull.every",
    "services.cull.concurrency",
    "services.cull.users",
    "services.cull.max_age",
    "services.cull.remove_named_servers",
}

#: Authenticators that check who a learner is against the school's accounts (oauthenticator's
#: short names as Zero to JupyterHub accepts them, or a full class path of oauthenticator or
#: ltiauthenticator). The dummy, PAM, first-use and temporary authenticators are not among them.
REAL_AUTHENTICATORS = re.compile(
    r"(github|gitlab|google|azuread|generic-oauth|cilogon|globus|bitbucket|openshift|auth0"
    r"|oauthenticator\.\w+\.\w+OAuthenticator|ltiauthenticator\.lti13\.authenticator\.LTI13Authenticator)"
)

#: A value that is a placeholder, not a secret: written in angle brackets.
PLACEHOLDER = re.compile(r"<[^<>]+>")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def chart_version() -> str:
    """The chart version that install.sh installs (``--version=X``)."""
    found = re.findall(r"--version[= ](\S+)", (Z2JH / "install.sh").read_text(encoding="utf-8"))
    assert len(found) == 1, "install.sh must install one pinned chart version"
    return found[0]


def dotted_paths(node, prefix=""):
    """Every leaf of a nested mapping as a dotted path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from dotted_paths(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def leaves(node, path=()):
    """Every (key path, value) of a nested mapping, list items included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, str(key)))
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item, path)
    else:
        yield path, node


def schema_errors(values: dict) -> list[str]:
    """The chart's schema errors for ``values``; missing keys are fine (the chart's defaults fill them)."""
    schema = json.loads((Z2JH / "values.schema.json").read_text(encoding="utf-8"))
    partial = jsonschema.validators.extend(jsonschema.Draft7Validator, {"required": lambda *_: iter(())})
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in partial(schema).iter_errors(values)]


@pytest.fixture(scope="module")
def z2jh():
    return load(Z2JH / "config.yaml")


@pytest.fixture(scope="module")
def tljh():
    return load(TLJH / "config.yaml")


# --- the files parse, and their keys are the ones the software reads ---


def test_z2jh_config_matches_the_charts_schema(z2jh):
    assert schema_errors(z2jh) == []


def test_the_schema_catches_a_misspelt_key(z2jh):
    broken = json.loads(json.dumps(z2jh))
    broken["singleuser"]["memory"]["limt"] = broken["singleuser"]["memory"].pop("limit")
    broken["cull"]["timeout"] = "an hour"
    errors = schema_errors(broken)
    assert any("limt" in e for e in errors)
    assert any(e.startswith("cull.timeout") for e in errors)


def test_the_schema_is_the_targeted_charts():
    assert chart_version() in CHART_HUB_VERSION
    assert "Zero to JupyterHub" in (CLASSROOM / "README.md").read_text(encoding="utf-8")
    assert chart_version() in (CLASSROOM / "README.md").read_text(encoding="utf-8")


def test_tljh_config_uses_only_keys_that_tljh_reads(tljh):
    paths = set(dotted_paths(tljh))
    unknown = {p for p in paths if p not in TLJH_KEYS and not re.fullmatch(r"auth\.[A-Z]\w*\..+", p)}
    assert unknown == set()


# --- every learner gets what companion.hub says, wherever the class runs ---


def test_z2jh_figures_are_companion_hubs(z2jh):
    user = z2jh["singleuser"]
    assert user["memory"] == {"guarantee": hub.LEARNER_MEMORY_GUARANTEE, "limit": hub.LEARNER_MEMORY_LIMIT}
    assert user["cpu"] == {"guarantee": hub.LEARNER_CPU_GUARANTEE, "limit": hub.LEARNER_CPU_LIMIT}
    assert z2jh["cull"]["enabled"] is True
    assert z2jh["cull"]["timeout"] == hub.CULL_IDLE_SECONDS
    assert user["defaultUrl"] == "/lab"


def test_tljh_figures_are_companion_hubs(tljh):
    # TLJH enforces limits only; it has no guarantees to set.
    assert tljh["limits"] == {"memory": hub.LEARNER_MEMORY_LIMIT, "cpu": hub.LEARNER_CPU_LIMIT}
    assert tljh["services"]["cull"]["enabled"] is True
    assert tljh["services"]["cull"]["timeout"] == hub.CULL_IDLE_SECONDS
    assert tljh["user_environment"]["default_app"] == "jupyterlab"


def test_culling_stops_servers_and_keeps_the_learners(z2jh, tljh):
    assert z2jh["cull"]["users"] is False
    assert tljh["services"]["cull"]["users"] is False


# --- security: a real login, HTTPS, no secret in the repository, the teacher alone is admin ---


@pytest.mark.parametrize("name", ["zero-to-jupyterhub", "littlest-jupyterhub"])
def test_secrets_are_placeholders(name):
    config = load(CLASSROOM / name / "config.yaml")
    secret_keys = re.compile(r"(secret|password|token|api_key|client_id|private_key)", re.IGNORECASE)
    for path, value in leaves(config):
        if secret_keys.search(path[-1]):
            assert isinstance(value, str), f"{'.'.join(path)} is not a placeholder"
            assert PLACEHOLDER.fullmatch(value), f"{'.'.join(path)} is not a placeholder"
        # Nothing else that looks like a key or a token: a long run of letters and digits.
        assert not re.search(r"[A-Za-z0-9+/_-]{32,}", str(value)), f"{'.'.join(path)} looks like a secret"


def test_z2jh_logs_in_through_oauth_over_https(z2jh):
    config = z2jh["hub"]["config"]
    assert REAL_AUTHENTICATORS.fullmatch(config["JupyterHub"]["authenticator_class"])
    oauth = config["GitHubOAuthenticator"]
    assert oauth["allowed_organizations"], "without an allowed group, only admins could log in"
    assert config.get("Authenticator", {}).get("allow_all") is not True
    https = z2jh["proxy"]["https"]
    assert https["enabled"] is True
    assert https["type"] == "letsencrypt"
    assert PLACEHOLDER.fullmatch(https["letsencrypt"]["contactEmail"])
    callback = urlsplit(oauth["oauth_callback_url"])
    assert callback.scheme == "https"
    assert https["hosts"] == [callback.hostname]


def test_tljh_logs_in_through_oauth_over_https(tljh):
    auth = tljh["auth"]
    assert REAL_AUTHENTICATORS.fullmatch(auth["type"])
    oauth = auth[auth["type"].rsplit(".", 1)[-1]]
    assert oauth["allowed_organizations"]
    https = tljh["https"]
    assert https["enabled"] is True
    callback = urlsplit(oauth["oauth_callback_url"])
    assert callback.scheme == "https"
    assert https["letsencrypt"]["domains"] == [callback.hostname]


def test_the_teacher_alone_is_admin(z2jh, tljh):
    teacher = re.compile(r"<the teacher's [^<>]+>")
    assert [teacher.fullmatch(u) is not None for u in z2jh["hub"]["config"]["Authenticator"]["admin_users"]] == [True]
    assert [teacher.fullmatch(u) is not None for u in tljh["users"]["admin"]] == [True]
    # No other route to admin rights: admin groups, or the old admin_access of JupyterHub 1.
    for config in (z2jh, tljh):
        admin_keys = {".".join(p) for p, _ in leaves(config) if re.search(r"admin", p[-1], re.IGNORECASE)}
        assert admin_keys <= {"hub.config.Authenticator.admin_users", "users.admin"}


def test_reject_a_dummy_authenticator():
    assert not REAL_AUTHENTICATORS.fullmatch("dummy")
    assert not REAL_AUTHENTICATORS.fullmatch("jupyterhub.auth.PAMAuthenticator")
    assert not REAL_AUTHENTICATORS.fullmatch("firstuseauthenticator.FirstUseAuthenticator")


# --- the learners' image ---


def dockerfile(path: Path) -> list[tuple[str, str]]:
    """The instructions of a Dockerfile as (INSTRUCTION, arguments): continuation lines joined."""
    logical, instructions = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        keyword, _, arguments = logical.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        logical = ""
    assert not logical, "a continuation line ends the file"
    return instructions


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by lower-case name."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {name.lower(): version for name, version in found}


def test_image_installs_the_pinned_files():
    steps = dockerfile(CLASSROOM / "Dockerfile")
    assert steps[0][0] == "FROM"
    copied = [shlex.split(arguments)[:-1] for keyword, arguments in steps if keyword == "COPY"]
    assert copied == [["requirements.lock", "binder/requirements.txt", "classroom/image-requirements.txt"]]
    for source in copied[0]:
        assert (ROOT / source).is_file()
    installs = [arguments for keyword, arguments in steps if keyword == "RUN" and "pip install" in arguments]
    assert len(installs) == 1
    words = shlex.split(installs[0])
    for option, file in [
        ("--requirement", "requirements.txt"),
        ("--requirement", "image-requirements.txt"),
        ("--constraint", "constraints.txt"),
    ]:
        pairs = zip(words, words[1:], strict=False)
        assert any(a == option and b.endswith(f"/{file}") for a, b in pairs), (option, file)
    assert "requirements.lock" in installs[0]  # the constraints are the lock's
    # Only what the build copies is sent to the builder (not .venv or _build).
    allowed = (CLASSROOM / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert allowed[allowed.index("*") + 1 :] == [f"!{source}" for source in copied[0]]


def test_image_runs_the_single_user_server_unprivileged():
    steps = dockerfile(CLASSROOM / "Dockerfile")
    last = dict(steps)  # the last USER and CMD are the ones that count
    assert last["USER"] == "1000"
    assert json.loads(last["CMD"]) == ["jupyterhub-singleuser"]
    # nbgitpuller runs git inside the learner's server.
    assert any(k == "RUN" and re.search(r"apt-get install .*\bgit\b", a) for k, a in steps)


def test_image_has_the_course_tensorflow_and_lab():
    binder = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    wheel = r"^dl-medicine-companion\[tensorflow,lab\] @ \S+-" + re.escape(companion.__version__)
    assert re.search(wheel, binder, re.MULTILINE)


def test_image_jupyterhub_is_the_charts(z2jh):
    wanted = pins(CLASSROOM / "image-requirements.txt")
    chart_hub = CHART_HUB_VERSION[chart_version()]
    # JupyterHub compares the major versions of hub and server: across a major version, logging
    # in may fail (jupyterhub/_version.py, _check_version). The image takes the chart's own.
    assert wanted["jupyterhub"].split(".")[0] == chart_hub.split(".")[0]
    assert "nbgitpuller" in wanted
    locked = pins(ROOT / "requirements.lock")
    if "nbgitpuller" in locked:
        assert wanted["nbgitpuller"] == locked["nbgitpuller"], "the image's nbgitpuller is the lock's"
    assert z2jh["singleuser"]["image"]["tag"] == companion.__version__


# --- the published branches that the pull links open ---


def test_workflow_publishes_every_edition_on_top_of_its_history():
    workflow = load(ROOT / ".github" / "workflows" / "book.yml")
    writers = {
        name: job for name, job in workflow["jobs"].items() if job.get("permissions", {}).get("contents") == "write"
    }
    assert list(writers) == ["publish-editions"], "one job alone may push"
    assert workflow["permissions"] == {"contents": "read"}
    script = "\n".join(step.get("run", "") for step in writers["publish-editions"]["steps"])
    published = re.findall(r"python -m companion publish (\S+) .*?--branch ([\w-]+)", script.replace("\\\n", " "))
    assert sorted(branch for _, branch in published) == ["notebooks", "notebooks-zh_CN", "student", "student-zh_CN"]
    # A replaced history (a fresh repository, a forced push) breaks the learners' second pull.
    assert "--force" not in script
    assert "git init" not in script


def test_instructors_page_shows_the_validated_files():
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"```\{literalinclude\} \.\./(classroom/\S+)", page))
    assert shown == {
        "classroom/Dockerfile",
        "classroom/zero-to-jupyterhub/config.yaml",
        "classroom/zero-to-jupyterhub/install.sh",
        "classroom/littlest-jupyterhub/config.yaml",
        "classroom/littlest-jupyterhub/install.sh",
    }
