//! Listing one resource completely: page by page (`limit` and `continue`), starting over
//! once when the server has compacted the list's resource version away (410 Gone).

use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, RequestError, RetryOn};
use crate::discovery::ResourceType;
use crate::select::Form;
use crate::slim::{metadata_object, slim_object};

/// Metadata only, as `PartialObjectMetadataList`; a server that cannot (some aggregated
/// API servers) answers with the full list, which is then reduced here.
const ACCEPT_METADATA: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const ACCEPT_JSON: &str = "application/json";

/// One list request: a resource, in one namespace or all, maybe with a label selector.
#[derive(Debug, Clone)]
pub(crate) struct ListRequest<'a> {
    pub(crate) resource: &'a ResourceType,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) label_selector: Option<&'a str>,
    pub(crate) form: Form,
    pub(crate) page_size: u32,
}

/// Every object of the list, in the slim form, in the server's order. `Full` items keep
/// everything but managedFields and last-applied (callers slim Secrets further).
pub(crate) async fn list_all(
    api: &Api,
    request: &ListRequest<'_>,
) -> Result<Vec<Value>, RequestError> {
    let mut restarted = false;
    'restart: loop {
        let mut items = Vec::new();
        let mut continue_token: Option<String> = None;
        loop {
            let path = page_path(request, continue_token.as_deref());
            let accept = match request.form {
                Form::Full => ACCEPT_JSON,
                Form::Metadata => ACCEPT_METADATA,
            };
            let page = match api
                .get(&path, accept, RetryOn::ThrottlingAndServerErrors)
                .await
            {
                Ok(body) => body,
                Err(error)
                    if error.status() == Some(410) && continue_token.is_some() && !restarted =>
                {
                    restarted = true;
                    continue 'restart;
                }
                Err(error) => return Err(error),
            };
            let page: Page =
                serde_json::from_slice(&page).map_err(|error| RequestError::Decode {
                    message: format!("`{path}`: {error}"),
                })?;
            let api_version = request.resource.api_version();
            let kind = &request.resource.kind;
            items.extend(page.items.into_iter().map(|item| match request.form {
                Form::Full => slim_object(item, &api_version, kind),
                Form::Metadata => metadata_object(item, &api_version, kind),
            }));
            match page.metadata.continue_token {
                Some(token) if !token.is_empty() => continue_token = Some(token),
                _ => return Ok(items),
            }
        }
    }
}

fn page_path(request: &ListRequest<'_>, continue_token: Option<&str>) -> String {
    let mut path = request.resource.list_path(request.namespace);
    path.push_str(&format!("?limit={}", request.page_size));
    if let Some(selector) = request.label_selector {
        path.push_str("&labelSelector=");
        path.push_str(&encode_query(selector));
    }
    if let Some(token) = continue_token {
        path.push_str("&continue=");
        path.push_str(&encode_query(token));
    }
    path
}

/// Percent-encodes a query value (continue tokens are base64 with `=` and `/`).
fn encode_query(value: &str) -> String {
    let mut encoded = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Page {
    metadata: ListMeta,
    items: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_carry_limit_selector_and_an_encoded_continue() {
        let secrets = ResourceType {
            group: String::new(),
            version: "v1".to_string(),
            resource: "secrets".to_string(),
            kind: "Secret".to_string(),
            namespaced: true,
        };
        let request = ListRequest {
            resource: &secrets,
            namespace: Some("argocd"),
            label_selector: Some("argocd.argoproj.io/secret-type=cluster"),
            form: Form::Full,
            page_size: 500,
        };
        assert_eq!(
            page_path(&request, Some("eyJ2Ijoi+/=")),
            "/api/v1/namespaces/argocd/secrets?limit=500&labelSelector=argocd.argoproj.io%2Fsecret-type%3Dcluster&continue=eyJ2Ijoi%2B%2F%3D"
        );
    }
}
