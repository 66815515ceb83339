import LogonymCore
import Testing

struct JSONFormatTests {
    let json = InputFormat.json(JSONLineFormat())

    @Test func nginxEscapeJSONLinesHaveTheirAddressKeysReplaced() {
        let line =
            #"{"time_local":"10/Oct/2026:13:55:36 +0200","remote_addr":"203.0.113.9","request":"GET /x?ip=1.2.3.4 HTTP/1.1","status":"200","http_x_forwarded_for":"198.51.100.7, 2001:db8::5","http_user_agent":"Bot/1.2.3.4"}"#
        let (output, counters) = process([line], format: json)
        #expect(
            output
                == #"{"time_local":"10/Oct/2026:13:55:36 +0200","remote_addr":"203.0.113.0","request":"GET /x?ip=1.2.3.0 HTTP/1.1","status":"200","http_x_forwarded_for":"198.51.100.0, 2001:db8::","http_user_agent":"Bot/1.2.3.0"}"#
                + "\n"
        )
        // Two of the IPv4 addresses stood in other fields: the scanner found them.
        #expect(counters.ipv4Addresses == 4 && counters.ipv6Addresses == 1 && counters.scannerAddresses == 2)
    }

    @Test func nestedCaddyStyleObjectsAndArraysAreHandled() {
        let line =
            #"{"level":"info","ts":1760097336.5,"request":{"remote_ip":"192.0.2.44","client_ip":"2001:db8:9::1","headers":{"X-Forwarded-For":["198.51.100.7"]}},"status":200,"size":[1,{"a":null}]}"#
        let (output, counters) = process([line], format: .json(JSONLineFormat(extraAddressKeys: ["X-Forwarded-For"])))
        #expect(output.contains(#""remote_ip":"192.0.2.0""#))
        #expect(output.contains(#""client_ip":"2001:db8:9::""#))
        #expect(output.contains(#""X-Forwarded-For":["198.51.100.0"]"#))
        #expect(counters.unparsable == 0)
    }

    @Test(arguments: [
        #"{"remote_addr":"192.0.2.1""#, #"{"remote_addr":"192.0.2.1"} trailing"#, #"not json 192.0.2.1"#,
        #"{"a":[1,2}"#, #"{"a" 1}"#, #"{"a":tru}"#,
    ])
    func malformedJSONGoesToTheFallbackScanner(_ line: String) {
        let (output, counters) = process([line], format: json)
        #expect(counters.unparsable == 1)
        #expect(!output.contains("192.0.2.1"))
    }

    @Test func textFormatsRenderAsJSONObjects() {
        let line =
            #"203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET /a?b=\"c\" HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0" "192.0.2.1, unknown""#
        let (output, _) = process([line], format: .text(.nginxMain), outputFormat: .json)
        #expect(
            output
                == #"{"time":"2026-10-10T13:55:36+02:00","client":"203.0.113.0","forwarded_for":["192.0.2.0","unknown"],"method":"GET","path":"/a?b=\"c\"","protocol":"HTTP/1.1","status":200,"bytes":2326,"referrer":"https://example.com/","user_agent":"Mozilla/5.0"}"#
                + "\n"
        )
    }

    @Test func jsonInputRendersWithTheSameFieldNames() {
        let line =
            #"{"time_local":"10/Oct/2026:13:55:36 +0200","remote_addr":"203.0.113.9","request":"GET / HTTP/2.0","status":"404","body_bytes_sent":"0","http_referer":"","http_user_agent":"curl/8","host":"example.com"}"#
        let (output, _) = process([line], format: json, outputFormat: .json)
        #expect(
            output
                == #"{"time":"2026-10-10T13:55:36+02:00","client":"203.0.113.0","vhost":"example.com","method":"GET","path":"/","protocol":"HTTP/2.0","status":404,"bytes":0,"user_agent":"curl/8"}"#
                + "\n"
        )
    }

    @Test func unparsableLinesInJSONOutputAreScrubbedAndValidUTF8() {
        let (output, _) = process(["junk 192.0.2.1 \u{7}"], format: .text(.combined), outputFormat: .json)
        #expect(output == #"{"unparsed":"junk 192.0.2.0 \u0007"}"# + "\n")
    }
}
