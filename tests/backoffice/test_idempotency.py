"""Idempotency-Key: retries replay the first answer; a reused key with another body is refused."""


def test_same_key_same_body_replays(client, admin):
    headers = {**admin, "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/sites", json={"code": "I1", "name": "x"}, headers=headers)
    again = client.post("/api/v1/sites", json={"code": "I1", "name": "x"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert len(client.get("/api/v1/sites", headers=admin, query_string={"code": "I1"}).json) == 1


def test_same_key_other_body_is_422(client, admin):
    headers = {**admin, "Idempotency-Key": "k-2", "Accept-Language": "en"}
    client.post("/api/v1/sites", json={"code": "I2", "name": "x"}, headers=headers)
    other = client.post("/api/v1/sites", json={"code": "I3", "name": "x"}, headers=headers)
    assert other.status_code == 422
    assert other.json["message"] == "This Idempotency-Key was already used for a different request."
    assert client.get("/api/v1/sites", headers=admin, query_string={"code": "I3"}).json == []


def test_failed_request_does_not_burn_the_key(client, admin):
    headers = {**admin, "Idempotency-Key": "k-3"}
    assert client.post("/api/v1/sites", json={"code": "bad code", "name": "x"},
                       headers=headers).status_code == 422
    # The corrected request is a different body, but nothing was stored for the failure.
    assert client.post("/api/v1/sites", json={"code": "I4", "name": "x"},
                       headers=headers).status_code == 201


def test_keys_are_scoped_to_the_caller(client, auth_headers):
    first, second = auth_headers("admin"), auth_headers("admin")
    body = {"code": "I5", "name": "x"}
    assert client.post("/api/v1/sites", json=body,
                       headers={**first, "Idempotency-Key": "shared"}).status_code == 201
    clash = client.post("/api/v1/sites", json=body, headers={**second, "Idempotency-Key": "shared"})
    assert clash.status_code == 409  # a fresh request from the second caller: code taken


def test_multipart_retry_replays_despite_a_new_boundary(client, admin):
    import io

    template = client.get("/api/v1/workbooks/registry/template", headers=admin).data
    headers = {**admin, "Idempotency-Key": "upload-1"}

    def upload():
        return client.post("/api/v1/workbooks/registry/import", headers=headers,
                           data={"file": (io.BytesIO(template), "registry.xlsx")},
                           content_type="multipart/form-data")

    first, again = upload(), upload()
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
