import Foundation
import Testing
@testable import ObjectStore

/// The signer against AWS's published examples: the Signature Version 4 test suite
/// (get-vanilla, get-vanilla-query-order-key-case) and the S3 header-signing example (GET with
/// a Range header).
@Suite struct SigV4Tests {
    static let suiteSigner = SigV4Signer(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service")

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    @Test func getVanilla() {
        let signed = Self.suiteSigner.sign(
            method: "GET", path: "/", headers: ["Host": "example.amazonaws.com"], payloadHash: SigV4Signer.emptyPayloadHash,
            date: Self.date("2015-08-30T12:36:00Z"))
        #expect(signed["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(signed["x-amz-date"] == "20150830T123600Z")
    }

    @Test func queryIsSortedBeforeSigning() {
        let signed = Self.suiteSigner.sign(
            method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: ["Host": "example.amazonaws.com"],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date("2015-08-30T12:36:00Z"))
        #expect(signed["authorization"]?.hasSuffix("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }

    @Test func s3GetObjectWithRange() {
        let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let signed = signer.sign(
            method: "GET", path: "/test.txt",
            headers: ["Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9", "x-amz-content-sha256": SigV4Signer.emptyPayloadHash],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date("2013-05-24T00:00:00Z"))
        #expect(signed["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PutObjectWithPayload() {
        let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let payload = SigV4Signer.payloadHash(Array("Welcome to Amazon S3.".utf8))
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = signer.sign(
            method: "PUT", path: "/test$file.text",
            headers: ["Host": "examplebucket.s3.amazonaws.com", "Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY", "x-amz-content-sha256": payload],
            payloadHash: payload, date: Self.date("2013-05-24T00:00:00Z"))
        #expect(signed["authorization"]?.hasSuffix("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
    }

    @Test func locationsParse() {
        #expect(S3Location("s3://bucket") == S3Location("s3://bucket/"))
        #expect(S3Location("s3://bucket/a/b/")?.prefix == "a/b")
        #expect(S3Location("s3://bucket//a//b")?.prefix == "a/b")
        #expect(S3Location("s3://") == nil)
        #expect(S3Location("/tmp/x") == nil)
        #expect(S3Location("s3://bucket/../x") == nil)
    }
}
