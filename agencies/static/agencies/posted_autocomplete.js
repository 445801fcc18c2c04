'use strict';
// A picker's search (a person's name, a NIK) goes in a POST body, never in the URL: URLs end up in the browser's
// history and in every server's and proxy's access log (DESIGN.md §5-6). Django's pickers ask with GET; this turns
// their requests to the admin's autocomplete address into POSTs carrying the page's CSRF token.
{
    const $ = django.jQuery;
    const pickers = new Set();
    $(function() {
        document.querySelectorAll('.admin-autocomplete[data-ajax--url]').forEach(
            (element) => pickers.add(element.dataset.ajaxUrl || element.getAttribute('data-ajax--url'))
        );
    });
    $.ajaxPrefilter(function(options, original, xhr) {
        if (!pickers.has(options.url)) {
            return;
        }
        const token = document.querySelector('input[name=csrfmiddlewaretoken]');
        options.type = 'POST';
        if (token) {
            xhr.setRequestHeader('X-CSRFToken', token.value);
        }
    });
}
