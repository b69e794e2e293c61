"""REFI-QDA (QDA-XML 1.0): the one name the rest of qualcode imports for ``.qdpx``, ``.qde``
and ``.qdc`` files.

Pure bytes in and out of plain data classes: ``refi_model`` (the data), ``refi_read`` (safe,
liberal parsing), ``refi_write`` (schema-ordered writing). What a code or a coding becomes
in a project is decided in ``qualcode.exchange``, never here.
"""

from __future__ import annotations

from qualcode.formats.refi_model import (
    CODEBOOK_NAMESPACES,
    GUID_NAMESPACE,
    META_PREFIX,
    NS_CODEBOOK,
    NS_PROJECT,
    ORIGIN,
    PROJECT_NAMESPACES,
    SKIPPED_KINDS,
    QCase,
    QCode,
    QCodebook,
    QCoding,
    QMedia,
    QNote,
    QProject,
    QSelection,
    QSet,
    QSource,
    QSyncPoint,
    QVariable,
    QVariableValue,
    code_meta,
    decode_code_description,
    derived_guid,
    encode_code_description,
    flatten_codes,
    format_datetime,
    norm_colour,
    norm_guid,
    parse_datetime,
)
from qualcode.formats.refi_read import (
    parse_xml,
    read_codebook,
    read_codebook_xml,
    read_project_xml,
)
from qualcode.formats.refi_write import write_codebook_xml, write_project_xml

__all__ = [
    "CODEBOOK_NAMESPACES",
    "GUID_NAMESPACE",
    "META_PREFIX",
    "NS_CODEBOOK",
    "NS_PROJECT",
    "ORIGIN",
    "PROJECT_NAMESPACES",
    "SKIPPED_KINDS",
    "QCase",
    "QCode",
    "QCodebook",
    "QCoding",
    "QMedia",
    "QNote",
    "QProject",
    "QSelection",
    "QSet",
    "QSource",
    "QSyncPoint",
    "QVariable",
    "QVariableValue",
    "code_meta",
    "decode_code_description",
    "derived_guid",
    "encode_code_description",
    "flatten_codes",
    "format_datetime",
    "norm_colour",
    "norm_guid",
    "parse_datetime",
    "parse_xml",
    "read_codebook",
    "read_codebook_xml",
    "read_project_xml",
    "write_codebook_xml",
    "write_project_xml",
]
