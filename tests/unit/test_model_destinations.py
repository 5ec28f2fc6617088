"""Outside models are called on public addresses only, unless the operator allows a network;
the call goes to the address that was checked (no second lookup for a rebinding name)."""

from __future__ import annotations

import socket

import pytest

from backend.security import destinations
from backend.security.destinations import DestinationRefused, check_literal, pinned
from backend.settings import get_settings


@pytest.fixture
def no_networks(monkeypatch):
    monkeypatch.setattr(get_settings(), "model_endpoint_networks", [])


def resolving_to(monkeypatch, *addresses: str) -> None:
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(destinations.socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9911/admin",
        "http://localhost/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/predict",
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_addresses_inside_the_deployment_are_refused_at_save_time(no_networks, url):
    with pytest.raises(DestinationRefused, match="JINBIAO_MODEL_ENDPOINT_NETWORKS"):
        check_literal(url)


def test_a_network_the_operator_allows_is_called(monkeypatch):
    monkeypatch.setattr(get_settings(), "model_endpoint_networks", ["10.0.0.0/8"])
    check_literal("http://10.0.0.7/predict")
    with pytest.raises(DestinationRefused):
        check_literal("http://169.254.169.254/")  # not in the allowed network


def test_a_name_is_checked_on_what_it_resolves_to_and_called_there(no_networks, monkeypatch):
    resolving_to(monkeypatch, "93.184.216.34")
    target = pinned("https://models.example.com:8443/predict?v=2")
    assert target.url == "https://93.184.216.34:8443/predict?v=2"
    assert target.headers == {"Host": "models.example.com:8443"}
    assert target.extensions == {"sni_hostname": "models.example.com"}  # TLS checks the name
    resolving_to(monkeypatch, "93.184.216.34", "10.1.2.3")  # any private address refuses
    with pytest.raises(DestinationRefused, match=r"10\.1\.2\.3"):
        pinned("http://models.example.com/predict")
    check_literal("http://models.example.com/predict")  # a name passes at save time


def test_a_name_that_does_not_resolve_is_refused(no_networks, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(destinations.socket, "getaddrinfo", fail)
    with pytest.raises(DestinationRefused, match="does not resolve"):
        pinned("http://nowhere.invalid/")
