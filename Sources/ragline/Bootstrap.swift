import Configuration
import Foundation
import Logging
import Metrics
import Prometheus
import RAGCore
import RaglineApp
import ServiceLifecycle
import SystemPackage
import Telemetry

/// Process-wide set-up shared by every running command: configuration, logging, metrics.
enum Bootstrap {
    static func configuration(_ options: CommonOptions) async throws -> RaglineConfiguration {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider()]
        if let path = options.config {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
        }
        return try RaglineConfiguration(reader: ConfigReader(providers: providers))
    }

    static func logging(_ configuration: RaglineConfiguration, label: String) -> Logger {
        logging(level: Logger.Level(rawValue: configuration.logLevel.lowercased()) ?? .info, label: label)
    }

    /// Every logger of the process to standard error at `level` and above.
    @discardableResult
    static func logging(level: Logger.Level, label: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    static func metrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The OpenTelemetry tracing service when an OTLP endpoint is set (`Telemetry`), or nil; one line and exit
    /// status 2 when the tracing settings cannot work. Call it before the runtime creates its HTTP clients, and
    /// put the service first in `run`, so that it shuts down last and flushes the spans.
    static func tracingOrExit(serviceName: String) -> (any Service)? {
        do {
            return try Telemetry.tracingService(serviceName: serviceName)
        } catch {
            fail(error)
        }
    }

    /// Runs services until SIGTERM/SIGINT, then shuts them down in reverse order.
    static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }

    /// The configuration, or one line on standard error and exit status 2.
    static func configurationOrExit(_ options: CommonOptions) async -> RaglineConfiguration {
        do {
            return try await configuration(options)
        } catch {
            fail(error)
        }
    }

    /// `KAFKA_BROKERS` or the embedded broker's published address, or one line and exit status 2.
    static func brokersOrExit(_ configuration: RaglineConfiguration) -> String {
        do {
            return try RaglineRuntime.brokers(configuration)
        } catch {
            fail(error)
        }
    }

    /// Prints a configuration error as one line and exits non-zero.
    static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("ragline: \(error)\n".utf8))
        exit(2)
    }
}
