//! The preset DEFLATE dictionary of the compact form, version 1 (`VC1:`). It is part of the
//! format: changing a byte makes earlier compact presentations unreadable, so a change needs a
//! new prefix. It holds *skeletons* (see `pack.rs`: the text with random tokens replaced
//! by escape bytes 0xF5–0xFC) of SD-JWT presentations disclosing every claim of a health record,
//! a study record and an identity credential, in that order (DEFLATE refers back into it; the
//! most common, identity, comes last, at the shortest distances), then a key binding JWT.
//! Generated from the presentations the demo network makes; sample values stay in, since DEFLATE
//! only ever copies what matches.

pub const DICTIONARY: &[u8] = b"\
{\"alg\":\"EdDSA\",\"typ\":\"vc+sd-jwt\",\"cty\":\"vc\",\"kid\":\"did:key:\xf7#\xf9\x00\"\
}{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://vcnet.id/contexts/hea\
lth/v1\"],\"id\":\"urn:uuid:\xfa\",\"type\":[\"VerifiableCredential\",\"HealthRecordCred\
ential\"],\"issuer\":\"did:key:\xf9\x00\",\"validFrom\":\"2026-11-26T08:02:24Z\",\"valid\
Until\":\"2036-11-23T08:02:24Z\",\"credentialSubject\":{\"id\":\"did:key:\xf7\",\"_sd\":\
[\"\xfb&\",\"\xfb\x1f\",\"\xfb\x01\",\"\xfb\x02\",\"\xfb\x00\",\"\xfb\x17\"]},\"credenti\
alSchema\":{\"id\":\"https://vcnet.id/schemas/health/v1.json\",\"type\":\"JsonSchema\"},\
\"credentialStatus\":[{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocat\
ion\",\"statusListIndex\":\"17920\",\"statusListCredential\":\"http://127.0.0.1:34589/st\
atus/did:key:\xf9\x00/revocation/0\",\"id\":\"http://127.0.0.1:34589/status/did:key:\xf9\
\x00/revocation/0#17920\"},{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"su\
spension\",\"statusListIndex\":\"17920\",\"statusListCredential\":\"http://127.0.0.1:345\
89/status/did:key:\xf9\x00/suspension/0\",\"id\":\"http://127.0.0.1:34589/status/did:key\
:\xf9\x00/suspension/0#17920\"}],\"_sd_alg\":\"sha-256\",\"cnf\":{\"jwk\":{\"kty\":\"OKP\
\",\"crv\":\"Ed25519\",\"x\":\"\xf8\x02\"}}}[\"\xf6\",\"healthInsuranceNumber\",\"TE1790\
123456789\"][\"\xf6\",\"bloodType\",\"B+\"][\"\xf6\",\"allergies\",[]][\"\xf6\",\"vaccin\
e\",\"BCG\"][\"\xf6\",\"date\",\"2024-02-03\"][\"\xf6\",\"dose\",1][\"\xf6\",\"lot\",\"B\
CG-0124-17\"][\"\xf6\",{\"_sd\":[\"\xfb\x04\",\"\xfb\x03\",\"\xfb\x06\",\"\xfb\x05\"]}][\
\"\xf6\",\"vaccine\",\"Vi\xc3\xaam gan B (Engerix-B)\"][\"\xf6\",\"date\",\"2024-02-02\"\
][\"\xf6\",\"dose\",1][\"\xf6\",\"lot\",\"AHBVB512AF\"][\"\xf6\",{\"_sd\":[\"\xfb\x0a\",\
\"\xfb\x08\",\"\xfb\x0b\",\"\xfb\x09\"]}][\"\xf6\",\"vaccine\",\"6 trong 1 (Hexaxim)\"][\
\"\xf6\",\"date\",\"2024-04-05\"][\"\xf6\",\"dose\",1][\"\xf6\",\"lot\",\"X3E161V\"][\"\xf6\
\",{\"_sd\":[\"\xfb\x10\",\"\xfb\x0e\",\"\xfb\x0d\",\"\xfb\x0f\"]}][\"\xf6\",\"vaccine\"\
,\"6 trong 1 (Hexaxim)\"][\"\xf6\",\"date\",\"2024-05-06\"][\"\xf6\",\"dose\",2][\"\xf6\"\
,\"lot\",\"X3E161V\"][\"\xf6\",{\"_sd\":[\"\xfb\x13\",\"\xfb\x15\",\"\xfb\x14\",\"\xfb\x12\
\"]}][\"\xf6\",\"immunizations\",[{\"...\":\"\xfb\x07\"},{\"...\":\"\xfb\x0c\"},{\"...\"\
:\"\xfb\x11\"},{\"...\":\"\xfb\x16\"}]][\"\xf6\",\"date\",\"2025-07-14\"][\"\xf6\",\"fac\
ility\",\"B\xe1\xbb\x87nh vi\xe1\xbb\x87n Nhi \xc4\x90\xe1\xbb\x93ng 1\"][\"\xf6\",\"cod\
e\",\"A09\"][\"\xf6\",\"label\",\"Ti\xc3\xaau ch\xe1\xba\xa3y v\xc3\xa0 vi\xc3\xaam d\xe1\
\xba\xa1 d\xc3\xa0y ru\xe1\xbb\x99t c\xc3\xb3 ngu\xe1\xbb\x93n g\xe1\xbb\x91c nhi\xe1\xbb\
\x85m khu\xe1\xba\xa9n\"][\"\xf6\",{\"_sd\":[\"\xfb\x1b\",\"\xfb\x1a\"]}][\"\xf6\",\"dia\
gnoses\",[{\"...\":\"\xfb\x1c\"}]][\"\xf6\",{\"_sd\":[\"\xfb\x18\",\"\xfb\x1d\",\"\xfb\x19\
\"]}][\"\xf6\",\"encounters\",[{\"...\":\"\xfb\x1e\"}]][\"\xf6\",\"medication\",\"Oresol\
\x20245\"][\"\xf6\",\"dosage\",\"1 g\xc3\xb3i pha 200 ml n\xc6\xb0\xe1\xbb\x9bc, u\xe1\xbb\
\x91ng d\xe1\xba\xa7n trong ng\xc3\xa0y\"][\"\xf6\",\"startDate\",\"2025-07-14\"][\"\xf6\
\",\"endDate\",\"2025-07-17\"][\"\xf6\",\"prescriber\",\"BS. Tr\xe1\xba\xa7n Minh Khoa\"\
][\"\xf6\",{\"_sd\":[\"\xfb$\",\"\xfb#\",\"\xfb \",\"\xfb\"\",\"\xfb!\"]}][\"\xf6\",\"pr\
escriptions\",[{\"...\":\"\xfb%\"}]]{\"alg\":\"EdDSA\",\"typ\":\"kb+jwt\"}{\"iat\":17956\
80153,\"sd_hash\":\"\xfc\",\"nonce\":\"\xf6\",\"aud\":\"urn:vcnet:any-verifier\",\"exp\"\
:1795680273}{\"alg\":\"EdDSA\",\"typ\":\"vc+sd-jwt\",\"cty\":\"vc\",\"kid\":\"did:key:\xf7\
#\xf9\x00\"}{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://vcnet.id/c\
ontexts/study/v1\"],\"id\":\"urn:uuid:\xfa\",\"type\":[\"VerifiableCredential\",\"StudyR\
ecordCredential\"],\"issuer\":\"did:key:\xf9\x00\",\"validFrom\":\"2026-11-26T08:02:24Z\"\
,\"validUntil\":\"2036-11-23T08:02:24Z\",\"credentialSubject\":{\"id\":\"did:key:\xf7\",\
\"_sd\":[\"\xfb\x04\",\"\xfb\x10\",\"\xfb\x15\",\"\xfb\x01\",\"\xfb\x03\",\"\xfb\x00\",\"\
\xfb\x02\",\"\xfb\x0f\"]},\"credentialSchema\":{\"id\":\"https://vcnet.id/schemas/study/\
v1.json\",\"type\":\"JsonSchema\"},\"credentialStatus\":[{\"type\":\"BitstringStatusList\
Entry\",\"statusPurpose\":\"revocation\",\"statusListIndex\":\"20896\",\"statusListCrede\
ntial\":\"http://127.0.0.1:37731/status/did:key:\xf9\x00/revocation/0\",\"id\":\"http://\
127.0.0.1:37731/status/did:key:\xf9\x00/revocation/0#20896\"},{\"type\":\"BitstringStatu\
sListEntry\",\"statusPurpose\":\"suspension\",\"statusListIndex\":\"20896\",\"statusList\
Credential\":\"http://127.0.0.1:37731/status/did:key:\xf9\x00/suspension/0\",\"id\":\"ht\
tp://127.0.0.1:37731/status/did:key:\xf9\x00/suspension/0#20896\"}],\"_sd_alg\":\"sha-25\
6\",\"cnf\":{\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"\xf8\x02\"}}}[\"\xf6\"\
,\"studentNumber\",\"20232145M\"][\"\xf6\",\"institution\",\"\xc4\x90\xe1\xba\xa1i h\xe1\
\xbb\x8dc B\xc3\xa1ch khoa H\xc3\xa0 N\xe1\xbb\x99i\"][\"\xf6\",\"programme\",\"K\xe1\xbb\
\xb9 thu\xe1\xba\xadt \xc4\x90i\xe1\xbb\x87n t\xe1\xbb\xad\"][\"\xf6\",\"level\",\"maste\
r\"][\"\xf6\",\"academicYear\",\"2024-2025\"][\"\xf6\",\"code\",\"ET6010\"][\"\xf6\",\"t\
itle\",\"X\xe1\xbb\xad l\xc3\xbd t\xc3\xadn hi\xe1\xbb\x87u s\xe1\xbb\x91 n\xc3\xa2ng ca\
o\"][\"\xf6\",\"grade\",\"A+\"][\"\xf6\",\"credits\",3][\"\xf6\",{\"_sd\":[\"\xfb\x07\",\
\"\xfb\x08\",\"\xfb\x05\",\"\xfb\x06\"]}][\"\xf6\",\"code\",\"ET6900\"][\"\xf6\",\"title\
\",\"Lu\xe1\xba\xadn v\xc4\x83n th\xe1\xba\xa1c s\xc4\xa9\"][\"\xf6\",\"grade\",\"A\"][\"\
\xf6\",\"credits\",15][\"\xf6\",{\"_sd\":[\"\xfb\x0d\",\"\xfb\x0b\",\"\xfb\x0c\",\"\xfb\x0a\
\"]}][\"\xf6\",\"courses\",[{\"...\":\"\xfb\x09\"},{\"...\":\"\xfb\x0e\"}]][\"\xf6\",\"g\
pa\",3.86][\"\xf6\",\"status\",\"graduated\"][\"\xf6\",\"date\",\"2025-10-20\"][\"\xf6\"\
,\"diplomaNumber\",\"BK.2025.ThS.001234\"][\"\xf6\",\"honours\",\"Xu\xe1\xba\xa5t s\xe1\xba\
\xafc\"][\"\xf6\",\"graduation\",{\"_sd\":[\"\xfb\x13\",\"\xfb\x14\",\"\xfb\x11\",\"\xfb\
\x12\"]}]{\"alg\":\"EdDSA\",\"typ\":\"kb+jwt\"}{\"iat\":1795680153,\"sd_hash\":\"\xfc\",\
\"nonce\":\"\xf6\",\"aud\":\"urn:vcnet:any-verifier\",\"exp\":1795680273}{\"alg\":\"EdDS\
A\",\"typ\":\"vc+sd-jwt\",\"cty\":\"vc\",\"kid\":\"did:key:\xf7#\xf9\x00\"}{\"@context\"\
:[\"https://www.w3.org/ns/credentials/v2\",\"https://vcnet.id/contexts/identity/v1\"],\"\
id\":\"urn:uuid:\xfa\",\"type\":[\"VerifiableCredential\",\"IdentityCredential\"],\"issu\
er\":\"did:key:\xf9\x00\",\"validFrom\":\"2026-11-26T08:02:23Z\",\"validUntil\":\"2036-1\
1-23T08:02:23Z\",\"credentialSubject\":{\"id\":\"did:key:\xf7\",\"_sd\":[\"\xfb\x07\",\"\
\xfb\x02\",\"\xfb\x06\",\"\xfb\x0a\",\"\xfb\x01\",\"\xfb\x09\",\"\xfb\x08\",\"\xfb\x00\"\
,\"\xfb\x04\",\"\xfb\x05\",\"\xfb\x03\"]},\"credentialSchema\":{\"id\":\"https://vcnet.i\
d/schemas/identity/v1.json\",\"type\":\"JsonSchema\"},\"credentialStatus\":[{\"type\":\"\
BitstringStatusListEntry\",\"statusPurpose\":\"revocation\",\"statusListIndex\":\"104071\
\",\"statusListCredential\":\"http://127.0.0.1:33383/status/did:key:\xf9\x00/revocation/\
0\",\"id\":\"http://127.0.0.1:33383/status/did:key:\xf9\x00/revocation/0#104071\"},{\"ty\
pe\":\"BitstringStatusListEntry\",\"statusPurpose\":\"suspension\",\"statusListIndex\":\"\
104071\",\"statusListCredential\":\"http://127.0.0.1:33383/status/did:key:\xf9\x00/suspe\
nsion/0\",\"id\":\"http://127.0.0.1:33383/status/did:key:\xf9\x00/suspension/0#104071\"}\
],\"_sd_alg\":\"sha-256\",\"cnf\":{\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"\
\xf8\x02\"}}}[\"\xf6\",\"personalIdentificationNumber\",\"001090012345\"][\"\xf6\",\"ful\
lName\",\"Nguy\xe1\xbb\x85n V\xc4\x83n An\"][\"\xf6\",\"dateOfBirth\",\"1990-03-15\"][\"\
\xf6\",\"sex\",\"male\"][\"\xf6\",\"nationality\",\"VN\"][\"\xf6\",\"placeOfOrigin\",\"X\
\xc3\xa3 \xc4\x90\xc3\xb4ng H\xe1\xbb\x99i, Huy\xe1\xbb\x87n \xc4\x90\xc3\xb4ng Anh, H\xc3\
\xa0 N\xe1\xbb\x99i\"][\"\xf6\",\"placeOfResidence\",\"S\xe1\xbb\x91 12 Ph\xe1\xbb\x91 H\
\xc3\xa0ng B\xc3\xa0i, Ph\xc6\xb0\xe1\xbb\x9dng Ho\xc3\xa0n Ki\xe1\xba\xbfm, H\xc3\xa0 N\
\xe1\xbb\x99i\"][\"\xf6\",\"dateOfIssue\",\"2024-07-01\"][\"\xf6\",\"dateOfExpiry\",\"20\
30-03-15\"][\"\xf6\",\"photoDigest\",\"sha256-cEYa3RsvcMlJsU1-Rn__-3tGaFFEiB7nXSIrTOAiT1\
4\"][\"\xf6\",\"ageOver18\",true]\"statusListCredential\":\"https://status.vcnet.id/\xf9\
\x00/revocation/0\",\"id\":\"https://status.vcnet.id/\xf9\x00/revocation/0#{\"alg\":\"Ed\
DSA\",\"typ\":\"kb+jwt\"}{\"iat\":1795680153,\"sd_hash\":\"\xfc\",\"nonce\":\"\xf6\",\"a\
ud\":\"urn:vcnet:any-verifier\",\"exp\":1795680273}";
