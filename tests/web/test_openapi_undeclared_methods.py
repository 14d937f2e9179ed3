"""A method the OpenAPI document does not list answers 405 with Allow naming those it does."""


def test_a_method_the_document_does_not_list_is_a_405_naming_those_it_does(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        concrete = path.replace("{id}", "x").replace("{version}", "1.0.0")
        listed = {method.upper() for method in operations}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - listed:
            response = client.open(concrete, method=method)
            assert response.status_code == 405, (method, path)
            assert listed <= {m.strip() for m in response.headers["Allow"].split(",")}, (method, path)
            assert response.json["error"]["code"]
            assert "405" in operations[next(iter(operations))]["responses"]
