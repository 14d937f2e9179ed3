"""Pure rules of the product: no Flask, no request, easy to unit-test."""
