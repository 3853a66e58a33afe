@testable import AWS
import Testing

@Suite struct S3AddressingTests {
    let credentials = StaticCredentialProvider(AWSCredentials(accessKeyID: "AK", secretAccessKey: "SK"))

    @Test func virtualHostOnAWSAndPathStyleOnCustomEndpoints() {
        let aws = S3Client(region: "eu-west-1", credentials: credentials)
        #expect(aws.location(bucket: "kb", key: "knowledge/a b.jsonl") == ("https://kb.s3.eu-west-1.amazonaws.com", "/knowledge/a b.jsonl"))
        let forced = S3Client(region: "eu-west-1", pathStyle: true, credentials: credentials)
        #expect(forced.location(bucket: "kb", key: "k.jsonl") == ("https://s3.eu-west-1.amazonaws.com", "/kb/k.jsonl"))
        let minio = S3Client(region: "us-east-1", endpoint: "http://127.0.0.1:9000/", credentials: credentials)
        #expect(minio.location(bucket: "kb", key: "k.jsonl") == ("http://127.0.0.1:9000", "/kb/k.jsonl"))
        let virtualCustom = S3Client(region: "us-east-1", endpoint: "http://s3.local:9000", pathStyle: false, credentials: credentials)
        #expect(virtualCustom.location(bucket: "kb", key: "k.jsonl") == ("http://kb.s3.local:9000", "/k.jsonl"))
    }
}
