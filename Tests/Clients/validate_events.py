#!/usr/bin/env python3
"""Validates captured Kafka records against Ragline's AsyncAPI document.

    validate_events.py docs/asyncapi.yaml CAPTURED.jsonl [--require TOPIC]... [--require-message NAME]...
                       [--no-default-requirements] [--document-only]

1. Checks the AsyncAPI document itself, offline: the required top-level fields of AsyncAPI 3.0.0, servers,
   channels (unique addresses), operations (`send`/`receive`, a channel of the document, messages of that
   channel), every local `$ref` resolves, every schema is a valid JSON Schema Draft 07 schema, and every
   message example matches its message. When the PyPI package `asyncapi3` (a Pydantic model of the
   AsyncAPI 3.0 specification and its bindings) is installed, the document is also parsed with it.
2. Validates each captured record (the JSON lines `capture_events.py` writes) against the messages its
   topic's channel declares: the value against the message's `payload`, the headers against `headers`, the
   key against the Kafka message binding's `key` (JSON Schema Draft 07, as the document says; `$ref`s are
   resolved within the document). A record passes when it matches one of its channel's messages; a record
   on a topic that no channel declares fails. Values of `application/json` messages must be JSON.
3. Fails too when a required topic has no record: by default `rag.questions`, `rag.retrievals`,
   `rag.answers`, `rag.answer.deltas` and `rag.ingest.reports`, plus at least one record on some
   dead-letter topic (`*.dlq`).

Records a test wrote on purpose to be dead-lettered carry the header `ragline_test_injected`; on their
own topic they must FAIL validation (else the schema is too lax), and they are counted apart. Their
dead-letter copies (which keep the header and add `ragline_dlq_*` ones) are validated like any other record.

Prints a count per topic and message, then every failure as `topic[partition]@offset path: reason`.
Exits 0 when everything passed, 1 on any failure, 2 on bad arguments or an unreadable input.
"""

import argparse
import collections
import json
import re
import sys
import warnings

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

DOCUMENT_URI = "urn:ragline:asyncapi-document"
INJECTED_HEADER = "ragline_test_injected"
DEFAULT_REQUIRED_TOPICS = ["rag.questions", "rag.retrievals", "rag.answers", "rag.answer.deltas", "rag.ingest.reports"]
MESSAGE_FIELDS = {
    "headers", "payload", "correlationId", "contentType", "name", "title", "summary", "description", "tags",
    "externalDocs", "bindings", "examples", "traits",
}
MAX_ERRORS_PER_RECORD = 8


def pointer_escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_get(document, pointer):
    """The node at a JSON pointer (`/a/b`), or KeyError."""
    node = document
    if pointer in ("", "/"):
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def resolve(document, pointer):
    """Follows `$ref` chains from `pointer`; returns (pointer of the target, target node)."""
    seen = set()
    node = pointer_get(document, pointer)
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise KeyError(f"{pointer}: only local references are supported, found {ref!r}")
        if ref in seen:
            raise KeyError(f"{pointer}: reference cycle through {ref}")
        seen.add(ref)
        pointer = ref[1:]
        node = pointer_get(document, pointer)
    return pointer, node


def walk_refs(node, pointer=""):
    """Yields (pointer, ref) for every `$ref` in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer, value
            else:
                yield from walk_refs(value, f"{pointer}/{pointer_escape(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_refs(value, f"{pointer}/{index}")


class Document:
    """The AsyncAPI document, its channels by address, and validators for its schemas."""

    def __init__(self, document):
        self.document = document
        self.registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT7))
        self.validators = {}
        self.channels_by_address = {}
        for name, channel in (document.get("channels") or {}).items():
            _, channel = resolve(document, f"/channels/{pointer_escape(name)}")
            address = channel.get("address") if isinstance(channel, dict) else None
            if isinstance(address, str):
                self.channels_by_address[address] = name

    def validator(self, pointer):
        if pointer not in self.validators:
            self.validators[pointer] = Draft7Validator(
                {"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=self.registry, format_checker=Draft7Validator.FORMAT_CHECKER
            )
        return self.validators[pointer]

    def messages(self, channel_name):
        """[(message id in the channel, message name, message pointer, message)] of a channel."""
        _, channel = resolve(self.document, f"/channels/{pointer_escape(channel_name)}")
        found = []
        for message_id in channel.get("messages") or {}:
            pointer, message = resolve(self.document, f"/channels/{pointer_escape(channel_name)}/messages/{pointer_escape(message_id)}")
            found.append((message_id, message.get("name", message_id), pointer, message))
        return found

    def content_type(self, message):
        return message.get("contentType") or self.document.get("defaultContentType")

    @staticmethod
    def part_pointers(message_pointer, message):
        """Pointers of the message's payload, headers and key schemas (None where it declares none)."""
        payload = f"{message_pointer}/payload" if "payload" in message else None
        headers = f"{message_pointer}/headers" if "headers" in message else None
        key = None
        kafka = (message.get("bindings") or {}).get("kafka") or {}
        if "key" in kafka:
            key = f"{message_pointer}/bindings/kafka/key"
        return payload, headers, key


def check_document(document):
    """Structural problems of the AsyncAPI document (a list of strings)."""
    problems = []

    def need(condition, text):
        if not condition:
            problems.append(text)
        return condition

    if not need(isinstance(document, dict), "the document is not a mapping"):
        return problems
    need(document.get("asyncapi") == "3.0.0", f"asyncapi must be \"3.0.0\", found {document.get('asyncapi')!r}")
    info = document.get("info")
    if need(isinstance(info, dict), "info is required"):
        need(isinstance(info.get("title"), str) and info["title"], "info.title is required (a string)")
        need(isinstance(info.get("version"), str) and info["version"], "info.version is required (a string)")
    for pointer, ref in walk_refs(document):
        try:
            resolve(document, pointer)
        except (KeyError, IndexError, ValueError) as error:
            problems.append(f"{pointer or '/'}: $ref {ref} does not resolve ({error})")
    if problems:
        return problems  # what follows resolves references

    for name, server in (document.get("servers") or {}).items():
        _, server = resolve(document, f"/servers/{pointer_escape(name)}")
        need(isinstance(server.get("host"), str) and server["host"], f"servers.{name}.host is required")
        need(isinstance(server.get("protocol"), str) and server["protocol"], f"servers.{name}.protocol is required")
        for variable in re.findall(r"\{([^}]+)\}", server.get("host", "")):
            need(variable in (server.get("variables") or {}), f"servers.{name}: host variable {{{variable}}} is not declared")

    channels = document.get("channels")
    need(isinstance(channels, dict) and channels, "channels must declare at least one channel")
    addresses = collections.Counter()
    for name in channels or {}:
        channel_pointer, channel = resolve(document, f"/channels/{pointer_escape(name)}")
        if not need(isinstance(channel, dict), f"channels.{name} is not an object"):
            continue
        address = channel.get("address")
        need(address is None or isinstance(address, str), f"channels.{name}.address must be a string or null")
        if isinstance(address, str):
            addresses[address] += 1
        messages = channel.get("messages") or {}
        need(messages, f"channels.{name} declares no message")
        for message_id in messages:
            message_pointer, message = resolve(document, f"{channel_pointer}/messages/{pointer_escape(message_id)}")
            label = f"channels.{name}.messages.{message_id}"
            if not need(isinstance(message, dict), f"{label} is not an object"):
                continue
            unknown = [field for field in message if field not in MESSAGE_FIELDS and not field.startswith("x-")]
            need(not unknown, f"{label}: unknown fields {unknown}")
            need("payload" in message, f"{label} has no payload")
            headers_pointer, headers = resolve(document, f"{message_pointer}/headers") if "headers" in message else (None, None)
            if headers is not None:
                need(headers.get("type") == "object", f"{label}.headers must be a schema of type object")
    for address, count in addresses.items():
        need(count == 1, f"channel address {address} is declared {count} times")

    for name, operation in (document.get("operations") or {}).items():
        _, operation = resolve(document, f"/operations/{pointer_escape(name)}")
        label = f"operations.{name}"
        need(operation.get("action") in ("send", "receive"), f"{label}.action must be send or receive")
        channel_ref = (operation.get("channel") or {}).get("$ref", "")
        if not need(channel_ref.startswith("#/channels/"), f"{label}.channel must be a $ref to #/channels/<name>"):
            continue
        for message in operation.get("messages") or []:
            ref = message.get("$ref", "") if isinstance(message, dict) else ""
            need(ref.startswith(channel_ref + "/messages/"), f"{label}: message {ref or message!r} is not one of its channel's ({channel_ref})")

    # Every schema must be a valid Draft 07 schema.
    schema_pointers = [f"/components/schemas/{pointer_escape(name)}" for name in (document.get("components") or {}).get("schemas") or {}]
    for name in channels or {}:
        for message_id in (resolve(document, f"/channels/{pointer_escape(name)}")[1].get("messages") or {}):
            message_pointer, message = resolve(document, f"/channels/{pointer_escape(name)}/messages/{pointer_escape(message_id)}")
            schema_pointers += [pointer for pointer in Document.part_pointers(message_pointer, message) if pointer]
    for pointer in dict.fromkeys(schema_pointers):
        try:
            Draft7Validator.check_schema(pointer_get(document, pointer))
        except SchemaError as error:
            problems.append(f"{pointer}: not a valid Draft 07 schema: {error.message}")
    if problems:
        return problems

    # Examples must match their message.
    model = Document(document)
    for name in channels or {}:
        for message_id, message_name, message_pointer, message in model.messages(name):
            payload, headers, _ = Document.part_pointers(message_pointer, message)
            for index, example in enumerate(message.get("examples") or []):
                for part, pointer in (("payload", payload), ("headers", headers)):
                    if part in example and pointer:
                        for error in model.validator(pointer).iter_errors(example[part]):
                            problems.append(f"{message_name} example {index} {part}/{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return problems


def check_with_asyncapi3(document):
    """(checked, problems): the document parsed by the `asyncapi3` package when it is installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from asyncapi3 import AsyncAPI3
    except ImportError:
        return False, []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            AsyncAPI3.model_validate(document)
    except Exception as error:  # pydantic.ValidationError, or anything the model raises
        return True, [f"asyncapi3: {line}" for line in str(error).splitlines()[:40]]
    return True, []


def errors_of(model, pointer, instance, part):
    return [
        (f"{part}/{'/'.join(map(str, error.absolute_path))}".rstrip("/"), error.message)
        for error in sorted(model.validator(pointer).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check_record(model, record, channel_name):
    """(message name or None, errors of the closest message)."""
    best = None
    for _, message_name, message_pointer, message in model.messages(channel_name):
        payload, headers, key = Document.part_pointers(message_pointer, message)
        errors = []
        if model.content_type(message) == "application/json" and not record.get("value_is_json"):
            errors.append(("value", f"{model.content_type(message)} message, but the value is not JSON"))
        if payload:
            errors += errors_of(model, payload, record.get("value"), "payload")
        if headers:
            errors += errors_of(model, headers, record.get("headers") or {}, "headers")
        if key:
            errors += errors_of(model, key, record.get("key"), "key")
        if not errors:
            return message_name, []
        if best is None or len(errors) < len(best[1]):
            best = (message_name, errors)
    return None, [(path, f"{reason} [closest message: {best[0]}]") for path, reason in best[1]] if best else [("", "the channel declares no message")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("document", help="the AsyncAPI document (YAML or JSON)")
    parser.add_argument("captured", nargs="?", help="JSON lines written by capture_events.py")
    parser.add_argument("--require", action="append", default=[], metavar="TOPIC", help="fail when TOPIC has no record (repeatable)")
    parser.add_argument("--require-message", action="append", default=[], metavar="NAME", help="fail when no record matched message NAME (repeatable)")
    parser.add_argument("--no-default-requirements", action="store_true", help="do not require the core topics and a dead letter")
    parser.add_argument("--document-only", action="store_true", help="check the document and stop")
    args = parser.parse_args()
    if not args.document_only and not args.captured:
        parser.error("CAPTURED.jsonl is required unless --document-only")

    try:
        with open(args.document, encoding="utf-8") as file:
            document = yaml.safe_load(file)
    except (OSError, yaml.YAMLError) as error:
        print(f"validate: cannot read {args.document}: {error}", file=sys.stderr)
        return 2

    problems = check_document(document)
    checked, model_problems = check_with_asyncapi3(document) if not problems else (False, [])
    problems += model_problems
    if problems:
        print(f"validate: {args.document} is not a valid AsyncAPI 3.0.0 document:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"validate: {args.document}: AsyncAPI {document['asyncapi']}, {len(document['channels'])} channels, "
          f"{len(document.get('operations') or {})} operations; structure, references, Draft 07 schemas and examples checked"
          + ("; parsed by asyncapi3" if checked else "; asyncapi3 not installed, its model check skipped"))
    if args.document_only:
        return 0

    model = Document(document)
    counts = collections.Counter()
    injected = collections.Counter()
    failures = []
    records = 0
    try:
        with open(args.captured, encoding="utf-8") as file:
            lines = [line for line in file if line.strip()]
    except OSError as error:
        print(f"validate: cannot read {args.captured}: {error}", file=sys.stderr)
        return 2
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as error:
            failures.append(f"{args.captured}:{number}: not JSON: {error}")
            continue
        records += 1
        topic = record.get("topic")
        where = f"{topic}[{record.get('partition')}]@{record.get('offset')}"
        channel_name = model.channels_by_address.get(topic)
        if channel_name is None:
            failures.append(f"{where}: topic {topic} is not declared by any channel of {args.document}")
            counts[(topic, "(undeclared topic)")] += 1
            continue
        message_name, errors = check_record(model, record, channel_name)
        headers = record.get("headers") or {}
        if INJECTED_HEADER in headers and "ragline_dlq_reason" not in headers:
            if message_name is None:
                injected[topic] += 1
            else:
                failures.append(f"{where}: a record injected to be invalid ({record['headers'][INJECTED_HEADER]}) matched {message_name}: the schema is too lax")
            continue
        counts[(topic, message_name or "(invalid)")] += 1
        for path, reason in errors[:MAX_ERRORS_PER_RECORD]:
            failures.append(f"{where} {path or '/'}: {reason if len(reason) <= 400 else reason[:300] + ' ... ' + reason[-80:]}")
        if len(errors) > MAX_ERRORS_PER_RECORD:
            failures.append(f"{where}: ... and {len(errors) - MAX_ERRORS_PER_RECORD} more errors")

    print(f"validate: {records} records from {args.captured}")
    width = max([len(topic) for topic, _ in counts] + [len(topic) for topic in injected] + [10])
    for (topic, message_name), count in sorted(counts.items()):
        print(f"  {topic:<{width}}  {message_name:<28} {count:>5}")
    for topic, count in sorted(injected.items()):
        print(f"  {topic:<{width}}  {'(injected, rejected as meant)':<28} {count:>5}")

    valid_topics = {topic for (topic, message_name), count in counts.items() if not message_name.startswith("(")}
    valid_messages = {message_name for (_, message_name) in counts}
    required = ([] if args.no_default_requirements else DEFAULT_REQUIRED_TOPICS) + args.require
    for topic in dict.fromkeys(required):
        if topic not in valid_topics:
            failures.append(f"required topic {topic} has no valid record")
    if not args.no_default_requirements and not any(topic.endswith(".dlq") for topic in valid_topics):
        failures.append("no dead-letter topic (*.dlq) has a valid record")
    for name in dict.fromkeys(args.require_message):
        if name not in valid_messages:
            failures.append(f"required message {name} matched no record")

    if failures:
        print(f"validate: {len(failures)} failures:")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print(f"validate: every record matches {args.document}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
