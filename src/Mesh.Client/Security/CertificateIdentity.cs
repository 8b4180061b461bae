using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>Reads the identities a certificate carries in its subject alternative names.</summary>
internal static class CertificateIdentity
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>
    /// Gets the URI names of the certificate's subject alternative name extension (RFC 5280
    /// GeneralName <c>[6] uniformResourceIdentifier</c>), which .NET's <see cref="X509SubjectAlternativeNameExtension"/>
    /// does not list. Returns an empty list when the extension is missing; a malformed extension reads as none.
    /// </summary>
    public static IReadOnlyList<string> GetUriNames(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                return ReadUris(extension.RawData);
            }
        }

        return [];
    }

    /// <summary>
    /// Gets the certificate's SPIFFE ID: its one <c>spiffe://</c> URI name, as an SVID carries exactly one.
    /// Returns null when it has none, more than one, or one that does not parse.
    /// </summary>
    public static SpiffeId? GetSpiffeId(X509Certificate2 certificate)
    {
        SpiffeId? found = null;
        foreach (var uri in GetUriNames(certificate))
        {
            if (!uri.StartsWith("spiffe://", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (found is not null || !SpiffeId.TryParse(uri, out found, out _))
            {
                return null;
            }
        }

        return found;
    }

    private static List<string> ReadUris(byte[] der)
    {
        var uris = new List<string>();
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag == uriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return [];
        }

        return uris;
    }
}
