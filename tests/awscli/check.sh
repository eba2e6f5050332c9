#!/usr/bin/env bash
# The AWS CLI (v1, from PyPI) against a running durabox server: every durable-execution
# command it models, plus an error it must raise as the modeled exception.
# Usage: tests/awscli/check.sh ENDPOINT AWS_BINARY
set -euo pipefail
ENDPOINT=$1
AWS=$2
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
lambda() { "$AWS" lambda --endpoint-url "$ENDPOINT" "$@"; }
fail() { echo "awscli: $*" >&2; exit 1; }

out=$(mktemp)
lambda invoke --function-name quickstart --payload '"input str"' "$out" > /dev/null
grep -q '"3 4 4 3"' "$out" || fail "invoke returned $(cat "$out")"
arn=$(lambda list-durable-executions-by-function --function-name quickstart \
    --query 'DurableExecutions[0].DurableExecutionArn' --output text)
[ "$(lambda get-durable-execution --durable-execution-arn "$arn" --query Status --output text)" = SUCCEEDED ] \
    || fail "get-durable-execution"
events=$(lambda get-durable-execution-history --durable-execution-arn "$arn" --query 'length(Events)')
[ "$events" = 16 ] || fail "history has $events events"

lambda invoke --function-name scenarios --invocation-type Event --payload '{"scenario":"callback"}' "$out" > /dev/null
waiting=$(lambda list-durable-executions-by-function --function-name scenarios --statuses RUNNING \
    --query 'DurableExecutions[0].DurableExecutionArn' --output text)
callback=""
for _ in $(seq 1 100); do
    callback=$(lambda get-durable-execution-history --durable-execution-arn "$waiting" \
        --query "Events[?EventType=='CallbackStarted'].CallbackStartedDetails.CallbackId | [0]" --output text)
    [ "$callback" != None ] && [ -n "$callback" ] && break
    sleep 0.1
done
lambda send-durable-execution-callback-heartbeat --callback-id "$callback" > /dev/null
lambda send-durable-execution-callback-success --callback-id "$callback" --result '{"ok":1}' > /dev/null
for _ in $(seq 1 100); do
    status=$(lambda get-durable-execution --durable-execution-arn "$waiting" --query Status --output text)
    [ "$status" = SUCCEEDED ] && break
    sleep 0.1
done
[ "$status" = SUCCEEDED ] || fail "callback execution ended $status"

lambda invoke --function-name scenarios --invocation-type Event --payload '{"scenario":"callback"}' "$out" > /dev/null
stopping=$(lambda list-durable-executions-by-function --function-name scenarios --statuses RUNNING \
    --query 'DurableExecutions[0].DurableExecutionArn' --output text)
lambda stop-durable-execution --durable-execution-arn "$stopping" > /dev/null
[ "$(lambda get-durable-execution --durable-execution-arn "$stopping" --query Status --output text)" = STOPPED ] \
    || fail "stop-durable-execution"

if lambda get-durable-execution --durable-execution-arn nope 2> "$out"; then
    fail "an unknown execution did not fail"
fi
grep -q ResourceNotFoundException "$out" || fail "unknown execution: $(cat "$out")"
echo "awscli: 8 commands checked against $ENDPOINT"
