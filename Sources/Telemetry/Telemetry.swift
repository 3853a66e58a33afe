import Foundation
import OTel
import ServiceLifecycle

/// Distributed tracing over OpenTelemetry (OTLP/HTTP), configured from the standard `OTEL_*` environment
/// variables. Traces only: Ragline keeps its own logging and Prometheus metrics.
public enum Telemetry {
    /// Either one turns tracing on.
    public static let endpointVariables = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]

    /// Bootstraps the process-wide tracer and returns the service that exports its spans, or returns nil and
    /// leaves the no-op tracer in place.
    ///
    /// Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set and
    /// `OTEL_SDK_DISABLED` is not `true`. The other `OTEL_*` variables (service name, protocol, sampler,
    /// batching, headers) apply as swift-otel reads them; `serviceName` is used unless `OTEL_SERVICE_NAME` is set.
    ///
    /// Put the service first in the `ServiceGroup`: it then shuts down last and flushes the spans the other
    /// services ended. Call this at most once per process, before creating HTTP clients (AsyncHTTPClient
    /// picks up the tracer when a client is created).
    ///
    /// - Throws: `TelemetryError` for settings that would make swift-otel stop the process, and swift-otel's
    ///   own errors for the ones it rejects.
    public static func tracingService(serviceName: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (any Service)? {
        guard isEnabled(in: environment) else { return nil }
        try validate(environment)

        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        // swift-otel's own diagnostics (stderr): failed exports and bad settings. OTEL_LOG_LEVEL overrides.
        configuration.diagnosticLogLevel = .warning

        // OTEL_SDK_DISABLED is not "true" here. Any other value (even "false") would switch logs and metrics
        // back on, and bootstrapping the LoggingSystem or MetricsSystem a second time stops the process.
        var environment = environment
        environment.removeValue(forKey: "OTEL_SDK_DISABLED")
        // Bootstraps InstrumentationSystem only: logs and metrics are off.
        return try OTel.bootstrap(configuration: configuration, environment: environment)
    }

    /// Whether `environment` asks for tracing.
    public static func isEnabled(in environment: [String: String]) -> Bool {
        guard endpointVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) else { return false }
        return environment["OTEL_SDK_DISABLED"]?.trimmingCharacters(in: .whitespaces).lowercased() != "true"
    }

    /// Rejects, with a message, the settings swift-otel 1.6 answers with `fatalError`, and the exporters it
    /// does not implement.
    static func validate(_ environment: [String: String]) throws {
        if let value = environment["OTEL_PROPAGATORS"] {
            let unsupported = value.split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty && $0 != "tracecontext" && $0 != "none" }
            if !unsupported.isEmpty {
                throw TelemetryError(
                    code: .unsupportedPropagator,
                    message: "OTEL_PROPAGATORS=\(value): \(unsupported.joined(separator: ", ")) is not supported; use tracecontext (or none)"
                )
            }
        }
        // The signal-specific variable wins over the shared one, as swift-otel reads them.
        if let setting = firstSet(["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"], in: environment),
           setting.value.trimmingCharacters(in: .whitespaces).lowercased() == "grpc" {
            throw TelemetryError(
                code: .unsupportedProtocol,
                message: "\(setting.name)=\(setting.value): Ragline exports traces over OTLP/HTTP only; use http/protobuf (port 4318) or http/json"
            )
        }
        if let value = environment["OTEL_TRACES_SAMPLER"],
           ["jaeger_remote", "parentbased_jaeger_remote", "xray"].contains(value.trimmingCharacters(in: .whitespaces).lowercased()) {
            throw TelemetryError(
                code: .unsupportedSampler,
                message: "OTEL_TRACES_SAMPLER=\(value) is not supported; use parentbased_always_on (the default), parentbased_traceidratio, always_on, always_off or traceidratio"
            )
        }
        if let value = environment["OTEL_TRACES_EXPORTER"],
           !["otlp", "none"].contains(value.trimmingCharacters(in: .whitespaces).lowercased()) {
            throw TelemetryError(
                code: .unsupportedExporter,
                message: "OTEL_TRACES_EXPORTER=\(value) is not supported; use otlp (the default), or none to propagate trace context without exporting"
            )
        }
    }

    /// The first of `names` that is set, with its value.
    private static func firstSet(_ names: [String], in environment: [String: String]) -> (name: String, value: String)? {
        for name in names {
            if let value = environment[name] { return (name, value) }
        }
        return nil
    }
}
