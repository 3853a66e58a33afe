import Configuration
import OperatorReports
import RAGCore
import Testing

@Suite struct OperatorReportsConfigurationTests {
    func configuration(_ environment: [String: String]) throws -> OperatorReportsConfiguration {
        try OperatorReportsConfiguration(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
    }

    @Test func defaults() throws {
        let configuration = try configuration([:])
        #expect(configuration.gapsMargin == 0.05)
        #expect(configuration.gapsClusterDistance == 0.45)
        #expect(Settings.gapsMargin.environmentVariable == "RAGLINE_GAPS_MARGIN")
        #expect(Settings.gapsClusterDistance.environmentVariable == "RAGLINE_GAPS_CLUSTER_DISTANCE")
    }

    @Test func environmentOverrides() throws {
        let configuration = try configuration(["RAGLINE_GAPS_MARGIN": "0.1", "RAGLINE_GAPS_CLUSTER_DISTANCE": "0.3"])
        #expect(configuration.gapsMargin == 0.1)
        #expect(configuration.gapsClusterDistance == 0.3)
    }

    @Test(arguments: [
        ("RAGLINE_GAPS_MARGIN", "wide", "configuration error: RAGLINE_GAPS_MARGIN must be a number, got \"wide\""),
        ("RAGLINE_GAPS_MARGIN", "1.5", "configuration error: RAGLINE_GAPS_MARGIN must be between 0 and 1, got 1.5"),
        ("RAGLINE_GAPS_CLUSTER_DISTANCE", "-0.1", "configuration error: RAGLINE_GAPS_CLUSTER_DISTANCE must be between 0 and 2 (a cosine distance), got -0.1"),
    ])
    func badValuesStopTheProcess(variable: String, value: String, message: String) {
        #expect { try configuration([variable: value]) } throws: { "\($0)" == message }
    }
}
