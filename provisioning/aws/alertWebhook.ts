/**
 * The AWS alert webhook relay: a Lambda function subscribed to the alert topic that posts each message to a
 * Slack-compatible incoming webhook as `{"text": ...}`. SNS cannot post there itself: an HTTPS subscription
 * stays pending until the endpoint confirms it (SNS Developer Guide, "Fanout to HTTP/S endpoints"), which
 * a chat webhook never does, and the body SNS posts is not one the webhook reads. The webhook URL is the
 * credential: it lives in a SecureString parameter the function reads with its own role, not in the
 * function's environment (which anyone who may read the function's configuration sees).
 */

/** The Lambda runtime the relay runs on (stdlib and boto3 only). */
export const ALERT_WEBHOOK_RUNTIME = "python3.12";
/** The module and function Lambda calls. */
export const ALERT_WEBHOOK_HANDLER = "index.handler";
/** The environment variable naming the parameter that holds the webhook URL. */
export const ALERT_WEBHOOK_PARAMETER_ENV = "WEBHOOK_PARAMETER";

/**
 * The relay's source (`index.py`). A CloudWatch alarm's message (JSON: AlarmName, NewStateValue,
 * NewStateReason, AlarmDescription) becomes one line per alarm; any other message is posted as it is.
 * A failed post raises, so Lambda retries the asynchronous invocation.
 */
export function renderAlertWebhookSource(): string {
  return [
    "# Rendered by fullstack-pulumi: posts each SNS message to a Slack-compatible incoming webhook.",
    "import json",
    "import os",
    "import urllib.request",
    "",
    "import boto3",
    "",
    "_url = None",
    "",
    "",
    "def webhook_url():",
    "    global _url",
    "    if _url is None:",
    `        name = os.environ[${JSON.stringify(ALERT_WEBHOOK_PARAMETER_ENV)}]`,
    "        _url = boto3.client('ssm').get_parameter(Name=name, WithDecryption=True)['Parameter']['Value']",
    "    return _url",
    "",
    "",
    "def text_of(subject, message):",
    "    try:",
    "        alarm = json.loads(message)",
    "    except ValueError:",
    "        alarm = None",
    "    if isinstance(alarm, dict) and 'AlarmName' in alarm:",
    "        state = alarm.get('NewStateValue', '?')",
    "        mark = {'ALARM': ':rotating_light:', 'OK': ':white_check_mark:'}.get(state, ':grey_question:')",
    "        line = f\"{mark} {state}: {alarm.get('AlarmDescription') or alarm['AlarmName']}\"",
    "        reason = alarm.get('NewStateReason')",
    "        return f'{line}\\n{reason}' if reason else line",
    "    return f'{subject}: {message}' if subject else message",
    "",
    "",
    "def handler(event, context):",
    "    for record in event.get('Records', []):",
    "        sns = record.get('Sns', {})",
    "        body = json.dumps({'text': text_of(sns.get('Subject'), sns.get('Message', ''))}).encode()",
    "        request = urllib.request.Request(webhook_url(), data=body, method='POST', headers={'Content-Type': 'application/json'})",
    "        with urllib.request.urlopen(request, timeout=10) as response:",
    "            response.read()",
    "",
  ].join("\n");
}
