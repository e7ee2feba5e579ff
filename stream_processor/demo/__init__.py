"""`logreview demo`: the whole system on one machine against a local AWS endpoint (moto).

Development tooling, not part of the Lambda code path: nothing the handlers import imports this
package, and moto is imported only when the demo starts its endpoint.
"""
