import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { dataOf, newTemplateWorkspace } from './templates.fixture';

describeEachDatabase('the blog template', {}, (suite) => {
  let owner: Api;
  let base: string;

  before(async () => {
    owner = (await newOwnedWorkspace(suite.api)).api;
    ({ base } = await newTemplateWorkspace(owner, 'blog', true));
  });

  it('shows anonymous readers the published posts only, with their tags', async () => {
    const posts = await dataOf(suite.api.get(`${base}/items/posts?fields=title,status,tags.name,author.name&sort=published_at`, { token: null }));
    assert.deepEqual(
      posts.map((post: any) => ({ title: post.title, status: post.status, tags: post.tags.map((tag: any) => tag.name), author: post.author.name })),
      [
        { title: 'Hello, world', status: 'published', tags: ['News'], author: 'Ada Byron' },
        { title: 'Five tips for better bug reports', status: 'published', tags: ['How-to', 'Opinion'], author: 'Grace Hopper' },
      ],
    );
    const [draft] = await dataOf(owner.get(`${base}/items/posts?filter[status][_eq]=draft&fields=id`));
    assertError(await suite.api.get(`${base}/items/posts/${draft.id}`, { token: null }), 404, 'NOT_FOUND');
    assertError(await suite.api.get(`${base}/items/authors?fields=email`, { token: null }), 400, 'INVALID_QUERY');
    assertError(await suite.api.post(`${base}/items/comments`, { body: 'Anonymous', post: draft.id }, { token: null }), 403, 'FORBIDDEN');
  });

  it('lets app users comment as themselves and edit only their own comments', async () => {
    const ann = await newAppUser(suite.api, base, 'ann');
    const bob = await newAppUser(suite.api, base, 'bob');
    const [post] = await dataOf(suite.api.get(`${base}/items/posts?fields=id&limit=1`, { token: null }));
    const comment = await dataOf(suite.api.post(`${base}/items/comments`, { body: 'First!', post: post.id }, { token: ann.accessToken }));
    assert.equal(comment.author, ann.id);
    assertError(await suite.api.post(`${base}/items/comments`, { body: 'As Ann', post: post.id, author: ann.id }, { token: bob.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.patch(`${base}/items/comments/${comment.id}`, { body: 'Bob was here' }, { token: bob.accessToken }), 404, 'NOT_FOUND');
    assertError(await suite.api.as(bob.accessToken).delete(`${base}/items/comments/${comment.id}`), 404, 'NOT_FOUND');
    const edited = await dataOf(suite.api.patch(`${base}/items/comments/${comment.id}`, { body: 'First, edited' }, { token: ann.accessToken }));
    assert.equal(edited.body, 'First, edited');
    const read = await dataOf(suite.api.get(`${base}/items/comments?filter[post][_eq]=${post.id}&fields=body,author`, { token: null }));
    assert.deepEqual(read, [{ id: comment.id, body: 'First, edited', author: ann.id }]);
  });

  it('deletes a post\'s comments with it', async () => {
    const [post] = await dataOf(owner.get(`${base}/items/posts?fields=id,count(comments)&filter[slug][_eq]=hello-world`));
    await dataOf(owner.post(`${base}/items/comments`, { body: 'By a member', post: post.id }));
    assert.equal((await owner.delete(`${base}/items/posts/${post.id}`)).status, 204);
    assert.deepEqual(await dataOf(owner.get(`${base}/items/comments?filter[post][_eq]=${post.id}`)), []);
  });
});
