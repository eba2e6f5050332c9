"""A shipping handler (written for AWS Lambda): steps `reserve` and `charge`, a 1-second
`settle` wait, step `ship`. test_durabox_powers.py records it with AWS's testing runner and
replays the history with durabox's (unchanged, then with `reserve` and `charge` swapped),
and crashes it after every checkpoint."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    item = event["item"]
    reservation = context.step(lambda _: f"reserved {item}", name="reserve")
    charge = context.step(lambda _: {"amount": 12.5, "item": item}, name="charge")
    context.wait(Duration.from_seconds(1), name="settle")
    parcel = context.step(lambda _: f"parcel for {item}", name="ship")
    return {"reservation": reservation, "charge": charge, "parcel": parcel}
