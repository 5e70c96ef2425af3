"""What the team's CloudWatch page posts to add or change a key metric."""


def metric_form(chosen, /, **changes) -> dict:
    """A metric read through the scope `chosen`, with `changes` to its fields (another `scope`
    among them, by id), as the form names them."""
    fields = {
        "scope": chosen.pk,
        "label": "Gateway errors",
        "namespace": "AWS/ApiGateway",
        "metric_name": "5XXError",
        "dimensions": "ApiName=BananaStand",
        "statistic": "Sum",
        "period_seconds": 3600,
        "threshold": "",
    } | changes
    return {f"metric-{name}": value for name, value in fields.items()}
