"""The public surface of mailcore.message is exactly what other layers code against."""

import mailcore.message


def test_exports() -> None:
    assert sorted(mailcore.message.__all__) == [
        "Address",
        "Attachment",
        "ParsedMessage",
        "UnknownTransferEncoding",
        "decode_section",
        "fetch_section",
        "header_section",
        "normalize_subject",
        "parse_message",
        "part_content",
    ]
    for name in mailcore.message.__all__:
        assert hasattr(mailcore.message, name)
