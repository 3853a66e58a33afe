import Telemetry
import Testing

/// Settings swift-otel 1.6 cannot honour, with the code Telemetry refuses them with.
private let refusedSettings: [([String: String], TelemetryError.Code)] = [
    (["OTEL_PROPAGATORS": "tracecontext,baggage"], .unsupportedPropagator),
    (["OTEL_PROPAGATORS": "b3"], .unsupportedPropagator),
    (["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"], .unsupportedProtocol),
    (["OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"], .unsupportedProtocol),
    (["OTEL_TRACES_SAMPLER": "parentbased_jaeger_remote"], .unsupportedSampler),
    (["OTEL_TRACES_SAMPLER": "xray"], .unsupportedSampler),
    (["OTEL_TRACES_EXPORTER": "console"], .unsupportedExporter),
]

/// When tracing turns on, and the settings refused before swift-otel would stop the process. No case here
/// reaches the process-wide bootstrap: each returns nil or throws first.
@Suite struct TracingServiceTests {
    let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]

    /// Whether `tracingService` leaves tracing off (returns nil) for `environment`.
    func staysOff(_ environment: [String: String]) throws -> Bool {
        try Telemetry.tracingService(serviceName: "ragline-test", environment: environment) == nil
    }

    @Test func offWithoutAnEndpoint() throws {
        #expect(try staysOff([:]))
        #expect(try staysOff(["OTEL_EXPORTER_OTLP_ENDPOINT": ""]))
        #expect(try staysOff(["OTEL_SERVICE_NAME": "x", "OTEL_TRACES_EXPORTER": "otlp"]))
    }

    @Test func offWhenTheSDKIsDisabled() throws {
        for value in ["true", "TRUE", " True "] {
            #expect(try staysOff(endpoint.merging(["OTEL_SDK_DISABLED": value]) { $1 }))
        }
    }

    @Test func eitherEndpointTurnsItOn() {
        #expect(Telemetry.isEnabled(in: endpoint))
        #expect(Telemetry.isEnabled(in: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"]))
        #expect(Telemetry.isEnabled(in: endpoint.merging(["OTEL_SDK_DISABLED": "false"]) { $1 }))
        #expect(!Telemetry.isEnabled(in: endpoint.merging(["OTEL_SDK_DISABLED": "true"]) { $1 }))
    }

    @Test(arguments: refusedSettings)
    func refusesWhatSwiftOTelCannotDo(settings: [String: String], code: TelemetryError.Code) {
        let environment = endpoint.merging(settings) { $1 }
        let error = #expect(throws: TelemetryError.self) {
            try Telemetry.tracingService(serviceName: "ragline-test", environment: environment)
        }
        #expect(error?.code == code)
        // One line that names the variable.
        let message = error?.message ?? ""
        #expect(settings.keys.contains { message.contains($0) }, "\(message)")
        #expect(!message.contains("\n"))
    }
}
