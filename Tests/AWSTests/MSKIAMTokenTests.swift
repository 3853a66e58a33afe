import AWS
import Foundation
import RaglineTestSupport
import Testing

/// The MSK IAM token against one built independently by botocore's SigV4 query signer.
@Suite struct MSKIAMTokenTests {
    static let python: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".venv-test/bin/python").path
    }()

    @Test(arguments: [nil, "FQoGZXIvYXdzEXAMPLETOKEN/with+chars="])
    func tokenEqualsBotocoresForTheSameCredentialsTimeAndRegion(sessionToken: String?) throws {
        let credentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: sessionToken)
        let date = try #require(ISO8601DateFormatter().date(from: "2026-11-25T10:20:30Z"))
        let ours = MSKIAMToken.make(credentials: credentials, region: "eu-west-1", date: date, userAgent: "ragline")

        let (status, output) = try runProgram(Self.python, [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("msk_token_reference.py").path,
            credentials.accessKeyID, credentials.secretAccessKey, sessionToken ?? "", "eu-west-1", "20261125T102030Z", "ragline",
        ])
        let reference = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == 0, "\(reference)")
        #expect(ours.value == reference)
        #expect(!ours.value.contains("=") && !ours.value.contains("+") && !ours.value.contains("/"))
        #expect(ours.expiry == date.addingTimeInterval(900))
    }
}
