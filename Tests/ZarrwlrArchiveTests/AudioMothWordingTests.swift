import Testing
import ZarrStore
@testable import ZarrwlrArchive

/// The AudioMoth comment in each wording the open-source firmware (AudioMoth-Firmware-Basic,
/// `setHeaderComment` in main.c) has written, built from its format strings.
@Suite struct AudioMothWordingTests {
    private func parse(_ comment: String) throws -> JSONValue {
        try #require(AudioMothComment(comment)).json
    }

    @Test func firmware10HasNoZoneAndTwoDecimalBattery() throws {
        let moth = try parse("Recorded at 05:06:07 08/09/2018 by AudioMoth 0123456789ABCDEF at gain setting 3 while battery state was 4.05V")
        #expect(moth["start_time"] == "2018-09-08T05:06:07Z")
        #expect(moth["time_zone"] == nil)
        #expect(moth["device_id"] == "0123456789ABCDEF")
        #expect(moth["gain"] == "medium-high")
        #expect(moth["battery_v"] == 4.05)
        let low = try parse("Recorded at 05:06:07 08/09/2018 by AudioMoth 0123456789ABCDEF at gain setting 0 while battery state was < 3.6V")
        #expect(low["battery_v"] == 3.6)
        #expect(low["battery_v_bound"] == "below")
        #expect(low["gain"] == "low")
    }

    @Test func firmware11To13Zones() throws {
        #expect(try parse("Recorded at 23:59:59 31/12/2019 (UTC) by AudioMoth 0123456789ABCDEF at gain setting 2 while battery state was 3.9V")["start_time"] == "2019-12-31T23:59:59Z")
        #expect(try parse("Recorded at 23:59:59 31/12/2019 (UTC-10) by AudioMoth 0123456789ABCDEF at gain setting 2 while battery state was 3.9V.")["start_time"] == "2019-12-31T23:59:59-10:00")
        // 1.3 pads minutes with a space (":%2d").
        let padded = try parse("Recorded at 10:00:00 01/02/2020 (UTC+5: 5) by AudioMoth 0123456789ABCDEF at gain setting 2 while battery state was greater than 4.9V. Recording cancelled before completion due to low battery voltage.")
        #expect(padded["start_time"] == "2020-02-01T10:00:00+05:05")
        #expect(padded["battery_v_bound"] == "above")
        #expect(padded["stop_reason"] == "low battery voltage")
    }

    @Test func firmware14And15Wording() throws {
        let moth = try parse("Recorded at 04:30:00 16/04/2021 (UTC+5:45) during deployment 0123456789ABCDEF using external microphone at medium gain setting while battery state was 4.1V and temperature was -3.5C. Amplitude threshold was 123. Low-pass filter applied with cut-off frequency of 8.0kHz. Recording cancelled before completion due to file size limit.")
        #expect(moth["start_time"] == "2021-04-16T04:30:00+05:45")
        #expect(moth["utc_offset_minutes"] == 345)
        #expect(moth["deployment_id"] == "0123456789ABCDEF")
        #expect(moth["external_microphone"] == true)
        #expect(moth["gain"] == "medium")
        #expect(moth["temperature_c"] == -3.5)
        #expect(moth["amplitude_threshold"]?["value"] == "123")
        #expect(moth["filter"] == ["type": "low-pass", "high_khz": 8.0])
        #expect(moth["stop_reason"] == "file size limit")
    }

    @Test func currentFirmwareWordings() throws {
        let deployment = try parse("Recorded at 23:59:59 31/12/2024 (UTC-10) during deployment 0123456789ABCDEF at medium gain while battery was less than 2.5V and temperature was 21.4C. Frequency trigger (48.0kHz and window length of 16 samples) threshold was 0.05% with 1s minimum trigger duration. Band-pass filter with frequencies of 1.0kHz and 8.0kHz applied. Recording stopped due to SD card write error.")
        #expect(deployment["start_time"] == "2024-12-31T23:59:59-10:00")
        #expect(deployment["deployment_id"] == "0123456789ABCDEF")
        #expect(deployment["device_id"] == nil)
        #expect(deployment["battery_v"] == 2.5)
        #expect(deployment["battery_v_bound"] == "below")
        #expect(deployment["frequency_trigger"] == ["centre_khz": 48.0, "window_samples": 16, "threshold": "0.05%", "minimum_trigger_duration_s": 1])
        #expect(deployment["filter"] == ["type": "band-pass", "low_khz": 1.0, "high_khz": 8.0])
        #expect(deployment["stop_reason"] == "SD card write error")

        let external = try parse("Recorded at 12:00:00 01/06/2025 (UTC-3:30) by AudioMoth 249C600363FA5E80 using external microphone at high gain while battery was greater than 4.9V and temperature was 30.0C. High-pass filter with frequency of 12.5kHz applied. Amplitude threshold was -30 dB with 2s minimum trigger duration. Recording stopped by magnetic switch.")
        #expect(external["start_time"] == "2025-06-01T12:00:00-03:30")
        #expect(external["time_zone"] == "UTC-3:30")
        #expect(external["external_microphone"] == true)
        #expect(external["battery_v_bound"] == "above")
        #expect(external["filter"] == ["type": "high-pass", "low_khz": 12.5])
        #expect(external["amplitude_threshold"] == ["value": "-30 dB", "minimum_trigger_duration_s": 2])
        #expect(external["stop_reason"] == "magnetic switch")

        // Hours 0 with negative minutes: the firmware writes "-0:30".
        #expect(try parse("Recorded at 00:00:00 01/01/2025 (UTC-0:30) by AudioMoth 249C600363FA5E80 at low gain while battery was 3.7V and temperature was 1.0C.")["start_time"] == "2025-01-01T00:00:00-00:30")
        #expect(try parse("Recorded at 00:00:00 01/01/2025 (UTC+1) by AudioMoth 249C600363FA5E80 at low-medium gain while battery was 3.7V and temperature was 1.0C. Amplitude threshold was 0.5% with 0s minimum trigger duration.")["amplitude_threshold"]?["value"] == "0.5%")
    }

    @Test func notAnAudioMothComment() {
        #expect(AudioMothComment("Recorded at home") == nil)
        #expect(AudioMothComment("made with sox") == nil)
    }
}
