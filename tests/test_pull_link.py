"""nbgitpuller links: what nbgitpuller reads back from them, and the command that prints them."""

from urllib.parse import parse_qs, urlsplit

import pytest

from companion import cli, pull_link


def test_link_carries_what_nbgitpuller_reads():
    link = pull_link.pull_link(
        "https://hub.example.edu/prefix/",
        repository="https://git.example/x/course.git",
        branch="notebooks",
        interface="tree",
    )
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "hub.example.edu",
        "/prefix/hub/user-redirect/git-pull",
    )
    query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    assert query == {
        "repo": "https://git.example/x/course.git",
        "branch": "notebooks",
        "targetpath": "course-notebooks",
        "urlpath": "tree/course-notebooks",
    }


def test_each_branch_gets_its_own_folder():
    folders = {pull_link.folder_name(pull_link.COURSE_REPOSITORY, branch) for branch in pull_link.BRANCHES}
    assert len(folders) == len(pull_link.BRANCHES)


@pytest.mark.parametrize("hub", ["hub.example.edu", "ftp://hub.example.edu", "https://", ""])
def test_hub_must_be_an_http_address(hub):
    with pytest.raises(ValueError, match="hub must be"):
        pull_link.pull_link(hub)


def test_interface_is_lab_or_tree():
    with pytest.raises(ValueError, match="interface must be one of"):
        pull_link.pull_link("https://hub.example.edu", interface="notebook")


def test_command_prints_the_link(capsys):
    assert (
        cli.main(["pull-link", "--hub", "http://127.0.0.1:8000", "--branch", "student", "--repository", "/srv/c.git"])
        == 0
    )
    assert capsys.readouterr().out.strip() == pull_link.pull_link(
        "http://127.0.0.1:8000", repository="/srv/c.git", branch="student"
    )


def test_command_refuses_a_bad_hub(capsys):
    assert cli.main(["pull-link", "--hub", "hub.example.edu"]) == 1
    assert "No link: hub must be" in capsys.readouterr().err
