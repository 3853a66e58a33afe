import ArgumentParser
import Foundation
import Kafka
import Logging
import OperatorReports
import RAGCore
import RaglineApp

/// Every record of some topics up to the high watermarks they had when the read started, for the
/// operator's reports: read by a listener of its own (a new group id, offsets fixed at assignment and never
/// committed, as the gateway's answer listener reads), which stops once each partition is read to its
/// watermark. Records published meanwhile are left out, so two runs over a quiet system agree. Each record
/// is handed over as it is read, so that the caller keeps only what it needs.
enum TopicSnapshot {
    /// What a report covers when `--since` is not given: everything the topics still hold.
    static let everything: Duration = .seconds(30 * 365 * 86_400)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `topics` from `window` ago (by record timestamp; records older are skipped) up to their high
    /// watermarks, handing each record to `handle` in the order read. Returns false when the read stopped
    /// early because no partition moved for `stallLimit`. Throws when no broker answers within `joinLimit`.
    static func read(
        topics: [String], window: Duration, configuration: RaglineConfiguration, clientID: String, logger: Logger,
        joinLimit: Duration = .seconds(30), stallLimit: Duration = .seconds(30), handle: (ReportRecord) -> Void
    ) async throws -> Bool {
        let brokers = try RaglineRuntime.brokers(configuration)
        let client = try KafkaClientFactory.client(configuration, brokers: brokers, clientID: clientID)
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "\(clientID)-\(UUID().uuidString.lowercased())")
        consumerConfiguration.maxInFlight = 1_024
        consumerConfiguration.fetchWaitMaxMilliseconds = configuration.kafka.fetchWaitMaxMilliseconds
        consumerConfiguration.sessionTimeoutMilliseconds = configuration.kafka.sessionTimeoutMilliseconds
        consumerConfiguration.startOnAssign = .recent(window)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, topics: topics, logger: logger)

        return try await consumer.whileRunning {
            guard await Self.joined(consumer, within: joinLimit) else {
                throw Failure(description: "no Kafka broker answered at \(brokers) within \(Int(joinLimit.seconds)) s; is `ragline dev` (or `ragline broker`) running, or KAFKA_BROKERS right?")
            }
            let assigned = consumer.assignment
            var watermarks: [KafkaTopicPartition: Int64] = [:]
            if !assigned.isEmpty { watermarks = try await consumer.highWatermarks(assigned, timeout: .seconds(10)) }
            let targets = watermarks.filter { $0.value > 0 }

            // Stops the consumer once every partition is read to its watermark (skipped records count: the
            // listener's position moves past them), or when nothing moved for `stallLimit`.
            let monitor = Task<Bool, Never> {
                var last: [KafkaTopicPartition: Int64] = [:]
                var lastMove = ContinuousClock.now
                while !Task.isCancelled {
                    var positions: [KafkaTopicPartition: Int64] = [:]
                    for partition in targets.keys { positions[partition] = consumer.position(of: partition) ?? -1 }
                    if targets.allSatisfy({ (positions[$0.key] ?? -1) >= $0.value }) {
                        await consumer.shutdown()
                        return true
                    }
                    if positions != last {
                        last = positions
                        lastMove = .now
                    } else if ContinuousClock.now - lastMove > stallLimit {
                        await consumer.shutdown()
                        return false
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return false
            }

            // The stream ends when the monitor shuts the consumer down, after the records already fetched.
            for await message in consumer.messages {
                consumer.markProcessed(message)
                guard let watermark = targets[message.topicPartition], message.offset < watermark else { continue }
                handle(ReportRecord(
                    topic: message.topic,
                    key: message.key.map { String(decoding: $0, as: UTF8.self) },
                    value: message.value,
                    eventType: message.headers.last(where: { $0.name == EventEnvelope.HeaderName.type })?.stringValue,
                    timestamp: message.timestamp
                ))
            }
            return await monitor.value
        }
    }

    /// Whether the consumer joined its group (and got its partitions) within `limit`.
    static func joined(_ consumer: KafkaConsumer, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await consumer.waitUntilJoined()
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// What `ragline gaps` and `ragline feedback-report` share: their `--since`, the window they read, and
/// their notes on standard error.
enum ReportCommandSupport {
    /// `--since` in seconds, or a validation error naming the accepted forms.
    static func seconds(_ since: String?) throws -> TimeInterval? {
        guard let since else { return nil }
        guard let seconds = ReportDuration.parse(since) else {
            throw ValidationError("--since must be a positive whole or decimal number with a unit s, m, h, d or w (e.g. 24h), got \"\(since)\"")
        }
        return seconds
    }

    /// The window read from the topics: `--since` plus an hour, so that the question of an answer given
    /// just inside the window is read too (the reports then keep events by their own dates).
    static func window(_ seconds: TimeInterval?) -> Duration {
        seconds.map { .seconds($0 + 3_600) } ?? TopicSnapshot.everything
    }

    static func validate(namespace: String?) throws {
        if let namespace, !KnowledgeLineParser.isValidNamespace(namespace) {
            throw ValidationError("--namespace must be 1-64 letters, digits, '-', '_' or '.', got \"\(namespace)\"")
        }
    }

    /// The events of the topics, decoded as they are read (a record that cannot be used is counted, never
    /// kept), or one line saying why they cannot be read and exit status 2.
    static func events(topics: [String], seconds: TimeInterval?, configuration: RaglineConfiguration, command: String, logger: Logger) async -> ReportEvents {
        var events = ReportEvents()
        do {
            let complete = try await TopicSnapshot.read(
                topics: topics, window: window(seconds), configuration: configuration, clientID: "ragline-\(command)", logger: logger
            ) { record in
                events.add(record)
            }
            if !complete {
                note(command, "stopped reading: no partition moved for 30 s; the report covers what was read")
            }
            return events
        } catch {
            Bootstrap.fail(error)
        }
    }

    /// One line on standard error, `ragline <command>: ...`.
    static func note(_ command: String, _ text: String) {
        FileHandle.standardError.write(Data("ragline \(command): \(text)\n".utf8))
    }

    /// The configuration, quiet unless `RAGLINE_LOG_LEVEL` asks otherwise (the report is the output).
    static func configuration(_ options: CommonOptions, label: String) async -> (RaglineConfiguration, Logger) {
        var configuration = await Bootstrap.configurationOrExit(options)
        if ProcessInfo.processInfo.environment["RAGLINE_LOG_LEVEL"] == nil { configuration.logLevel = "warning" }
        return (configuration, Bootstrap.logging(configuration, label: label))
    }
}
