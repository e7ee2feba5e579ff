"""CloudFormation's condition functions, evaluated for given parameter values: which resources and
`Fn::If` branches a deployment gets (the template tests and the deployed-stack suite), and whether
the template's `Rules` let a parameter combination deploy (`Fn::Contains`)."""

from __future__ import annotations

from typing import Any


def evaluate(node: Any, parameters: dict[str, Any], conditions: dict[str, Any]) -> Any:
    """`node` (Fn::Equals/Not/And/Or/Join, Ref, Condition) with these parameters; a literal as is."""
    if isinstance(node, dict) and len(node) == 1:
        ((name, arg),) = node.items()
        if name == "Ref":
            return parameters[arg]
        if name == "Condition":
            return evaluate(conditions[arg], parameters, conditions)
        values = [evaluate(a, parameters, conditions) for a in arg]
        if name == "Fn::Equals":
            return str(values[0]) == str(values[1])
        if name == "Fn::Not":
            return not values[0]
        if name == "Fn::And":
            return all(values)
        if name == "Fn::Or":
            return any(values)
        if name == "Fn::Contains":  # Rules only: is the value one of the list's strings
            return str(values[1]) in [str(item) for item in values[0]]
        if name == "Fn::Join":  # a CommaDelimitedList parameter may arrive as its string
            items = values[1].split(",") if isinstance(values[1], str) else values[1]
            return str(values[0]).join(str(item) for item in items)
        raise ValueError(f"condition function {name} is not understood here")
    return node
